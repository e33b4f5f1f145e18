"""The 12345 console: its pages (web/console at /console/) and its API under /api/console/.
Every route but the login needs a signed-in member of staff (401 otherwise)."""

from __future__ import annotations

from fastapi import APIRouter

from eligibility.api.routes.console import assist, gaps, handoffs, pages, session, tickets

router = APIRouter()
for _module in (session, handoffs, assist, tickets, gaps, pages):
    router.include_router(_module.router)
