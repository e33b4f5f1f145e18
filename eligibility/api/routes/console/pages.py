"""The console's pages (web/console): the login page is public, every other page needs a session (401)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(include_in_schema=False)
