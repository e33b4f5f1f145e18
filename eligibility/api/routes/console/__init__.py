"""The 12345 console: its pages (web/console at /console/) and its API under /api/console/.
Every route but the login needs a signed-in member of staff (401 otherwise)."""

from __future__ import annotations

from fastapi import APIRouter

from eligibility.api.routes.console import session

router = APIRouter()
for _module in (session,):
    router.include_router(_module.router)
