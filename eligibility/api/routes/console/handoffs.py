"""Live handoff: the queue, taking a conversation, replying, handing back to the bot."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/api/console", tags=["console"])
