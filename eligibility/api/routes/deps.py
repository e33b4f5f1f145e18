from __future__ import annotations

from fastapi import Request

from eligibility.context import Context


def context(request: Request) -> Context:
    return request.app.state.ctx
