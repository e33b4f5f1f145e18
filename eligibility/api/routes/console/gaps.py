"""The knowledge-gap view: questions the assistant answered poorly, grouped, most frequent first; CSV export."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/api/console", tags=["console"])
