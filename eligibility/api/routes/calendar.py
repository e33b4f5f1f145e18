"""GET /calendar?month=YYYY-MM | ?open_now=true | ?closing_within_days=N."""

from __future__ import annotations

from typing import Any, Dict, Optional

from fastapi import APIRouter, Depends, Query

from eligibility.api.routes.deps import context
from eligibility.context import Context
from eligibility.errors import invalid
from eligibility.services import calendar

router = APIRouter()


@router.get("/calendar", tags=["calendar"], summary="政策月历：某月开放的申报、当前开放、即将截止")
def get_calendar(month: Optional[str] = Query(None, max_length=7, description="YYYY-MM"),
                 open_now: bool = False,
                 closing_within_days: Optional[int] = Query(None, ge=0, le=366),
                 ctx: Context = Depends(context)) -> Dict[str, Any]:
    chosen = sum(x for x in (month is not None, open_now, closing_within_days is not None))
    if chosen != 1:
        raise invalid("calendar_query", "请任选其一：month=YYYY-MM、open_now=true 或 closing_within_days=N。",
                      "give exactly one of month, open_now, closing_within_days")
    today = ctx.today()
    if month is not None:
        parsed = calendar.parse_month(month)
        if parsed is None:
            raise invalid("invalid_month", "月份格式应为 YYYY-MM，例如 2026-03。", "month must be YYYY-MM")
        return calendar.month(ctx.policies, parsed[0], parsed[1], today)
    if open_now:
        return calendar.open_now(ctx.policies, today)
    assert closing_within_days is not None
    return calendar.closing_within(ctx.policies, closing_within_days, today)
