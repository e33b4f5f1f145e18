"""Tickets (好差评 callbacks, complaints, handoffs, work orders) and application reviews from the console."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/api/console", tags=["console"])
