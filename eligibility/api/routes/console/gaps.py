"""The knowledge-gap view: questions the assistant answered poorly, grouped, most frequent first; CSV export."""

from __future__ import annotations

from typing import Any, Dict, List

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response
from pydantic import BaseModel

from eligibility.api.routes.deps import console_staff, context
from eligibility.auth.principal import Principal
from eligibility.context import Context
from eligibility.services import knowledge_gaps

router = APIRouter(prefix="/api/console", tags=["console"])
OPERATOR = console_staff("operator")
DAYS = Query(30, ge=1, le=366, description="统计最近多少天")
LIMIT = Query(50, ge=1, le=500, description="最多返回多少组")


class GapGroup(BaseModel):
    question: str
    count: int
    outcomes: Dict[str, int]
    ratings: Dict[str, int]
    examples: List[str]
    reasons: List[str]
    doc_ids: List[str]
    last_seen: str


class GapReport(BaseModel):
    days: int
    total_questions: int
    ratings_without_question: int
    groups: List[GapGroup]


@router.get("/gaps", response_model=GapReport,
            summary="知识缺口：低置信度、未找到、未理解、转人工和差评的问题，按相似度分组，次数多的在前（须 operator 角色）")
def gaps(days: int = DAYS, limit: int = LIMIT, ctx: Context = Depends(context),
         p: Principal = Depends(OPERATOR)) -> Dict[str, Any]:
    return knowledge_gaps.report(ctx, days, limit)


@router.get("/gaps.csv", response_class=Response, summary="知识缺口导出为 CSV（UTF-8 带 BOM，Excel 可直接打开）")
def gaps_csv(days: int = DAYS, limit: int = LIMIT, ctx: Context = Depends(context),
             p: Principal = Depends(OPERATOR)) -> Response:
    body = "\ufeff" + knowledge_gaps.to_csv(knowledge_gaps.report(ctx, days, limit))
    return Response(body.encode("utf-8"), media_type="text/csv; charset=utf-8", headers={
        "Content-Disposition": f"attachment; filename=\"knowledge-gaps-{days}d.csv\"", "Cache-Control": "no-store"})
