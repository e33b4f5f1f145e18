"""The operator's helper on a live call: ranked answers, a quick eligibility check, work orders."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/api/console", tags=["console"])
