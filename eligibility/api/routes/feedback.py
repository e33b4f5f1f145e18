"""POST /ratings (好差评), POST /tickets (转人工), GET /tickets, GET/PATCH /tickets/{id} (hotline console)."""

from __future__ import annotations

from typing import Any, Dict, Optional

from fastapi import APIRouter, Depends, Path, Query

from eligibility.api.response import MaskedJSONResponse
from eligibility.api.routes.deps import context
from eligibility.api.schemas import HandoffRequest, RatingRequest, TicketUpdate
from eligibility.context import Context
from eligibility.services import feedback

router = APIRouter()


@router.post("/ratings", tags=["feedback"], status_code=201, summary="好差评：五级评价；不满意自动生成回访工单")
def post_rating(body: RatingRequest, ctx: Context = Depends(context)) -> MaskedJSONResponse:
    out = feedback.rate(ctx, body.level, body.reason, body.conversation_id, body.application_id, body.profile_id)
    return MaskedJSONResponse(out, status_code=201)


@router.post("/tickets", tags=["tickets"], status_code=201, summary="转人工：创建带对话记录的工单")
def post_ticket(body: HandoffRequest, ctx: Context = Depends(context)) -> MaskedJSONResponse:
    out = feedback.handoff(ctx, body.conversation_id, [m.dict() for m in body.transcript], body.summary,
                           body.profile_id, body.contact)
    return MaskedJSONResponse(out, status_code=201)


@router.get("/tickets", tags=["tickets"], summary="热线坐席：工单列表")
def list_tickets(status: Optional[str] = Query(None, regex="^(待回访|整改中|已办结|待处理|处理中)$"),
                 kind: Optional[str] = Query(None, regex="^(callback|handoff)$"),
                 overdue: bool = False,
                 limit: int = Query(50, ge=1, le=500), offset: int = Query(0, ge=0, le=10**6),
                 ctx: Context = Depends(context)) -> Dict[str, Any]:
    return feedback.list_tickets(ctx, status, kind, overdue, limit, offset)


@router.get("/tickets/{ticket_id}", tags=["tickets"], summary="工单详情")
def get_ticket(ticket_id: str = Path(..., max_length=40), ctx: Context = Depends(context)) -> Dict[str, Any]:
    return feedback.get(ctx, ticket_id)


@router.patch("/tickets/{ticket_id}", tags=["tickets"], summary="更新工单：状态流转（待回访→整改中→已办结）、备注、经办人")
def patch_ticket(body: TicketUpdate, ticket_id: str = Path(..., max_length=40),
                 ctx: Context = Depends(context)) -> Dict[str, Any]:
    return feedback.update(ctx, ticket_id, body.status, body.note, body.assignee, body.actor)
