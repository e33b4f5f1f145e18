"""POST /ratings (好差评), POST /tickets (转人工, complaints), GET /tickets, GET/PATCH /tickets/{id}
(hotline staff only). The subject of a rating or a ticket is the caller's, never one the body names."""

from __future__ import annotations

from typing import Any, Dict, Optional

from fastapi import APIRouter, Depends, Path, Query

from eligibility.api.metrics import handoff_opened
from eligibility.api.response import MaskedJSONResponse
from eligibility.api.routes.deps import context, principal, staff_with
from eligibility.api.schemas import HandoffRequest, RatingRequest, TicketUpdate
from eligibility.auth.access import forbidden, own_subject
from eligibility.auth.principal import Principal
from eligibility.context import Context
from eligibility.services import applications, feedback, handoffs

router = APIRouter()
STAFF = staff_with("operator")


def _subject(p: Principal, named: Optional[str], conversation_id: Optional[str] = None) -> Optional[str]:
    """The caller's bound subject; a profile named in the body must be that one. The action server (and any
    caller without a subject) writes into its own conversation only: else a rating or ticket without a
    subject would land in another person's conversation, their export and their deletion."""
    if conversation_id is not None and conversation_id != p.conversation_id and \
            (p.kind == "service" or p.subject_id is None):
        raise forbidden("the conversation named is not the caller's own (X-Conversation-Id)")
    if named:
        return own_subject(p, named)
    return p.subject_id


@router.post("/ratings", tags=["feedback"], status_code=201, summary="好差评：五级评价；不满意自动生成回访工单")
def post_rating(body: RatingRequest, ctx: Context = Depends(context),
                p: Principal = Depends(principal)) -> MaskedJSONResponse:
    pid = _subject(p, body.profile_id, body.conversation_id)
    # an unbound caller may rate no application: else an unknown id (404) would tell from someone else's (403)
    if body.application_id and (p.subject_id is None or applications.owner(ctx, body.application_id) != p.subject_id):
        raise forbidden("the application is not the caller's")
    out = feedback.rate(ctx, body.level, body.reason, body.conversation_id, body.application_id, pid)
    return MaskedJSONResponse(out, status_code=201)


@router.post("/tickets", tags=["tickets"], status_code=201, summary="转人工或投诉：创建带对话记录的工单（对话记录脱敏保存）")
def post_ticket(body: HandoffRequest, ctx: Context = Depends(context),
                p: Principal = Depends(principal)) -> MaskedJSONResponse:
    pid = _subject(p, body.profile_id, body.conversation_id)
    transcript = [m.dict() for m in body.transcript]
    if body.kind == "handoff":  # live while staffed (the bot pauses), else due when a person is next at work
        out = handoffs.open_handoff(ctx, body.conversation_id, transcript, body.summary, pid, body.contact,
                                    body.channel, actor=p.actor)
        handoff_opened(out)  # the service's metrics
    else:
        out = feedback.complaint(ctx, body.conversation_id, transcript, body.summary, pid, body.contact,
                                 actor=p.actor)
    return MaskedJSONResponse(out, status_code=201)


@router.get("/tickets", tags=["tickets"], summary="热线坐席：工单列表（须 operator 角色）")
def list_tickets(status: Optional[str] = Query(None, regex="^(待回访|整改中|已办结|待处理|处理中)$"),
                 kind: Optional[str] = Query(None, regex="^(callback|complaint|handoff)$"),
                 overdue: bool = False,
                 limit: int = Query(50, ge=1, le=500), offset: int = Query(0, ge=0, le=10**6),
                 ctx: Context = Depends(context), p: Principal = Depends(STAFF)) -> Dict[str, Any]:
    return feedback.list_tickets(ctx, status, kind, overdue, limit, offset)


@router.get("/tickets/{ticket_id}", tags=["tickets"], summary="工单详情（须 operator 角色）")
def get_ticket(ticket_id: str = Path(..., max_length=40), ctx: Context = Depends(context),
               p: Principal = Depends(STAFF)) -> Dict[str, Any]:
    return feedback.get(ctx, ticket_id)


@router.patch("/tickets/{ticket_id}", tags=["tickets"],
              summary="更新工单：状态流转、备注、经办人（须 operator 角色；经办记录署登录人）；对话服务可为本会话的工单补充备注")
def patch_ticket(body: TicketUpdate, ticket_id: str = Path(..., max_length=40),
                 ctx: Context = Depends(context), p: Principal = Depends(principal)) -> Dict[str, Any]:
    # staff, or the conversation that opened the ticket adding the user's own words (nothing else)
    own_note = p.kind == "service" and p.conversation_id is not None and body.status is None and \
        body.assignee is None and feedback.conversation_of(ctx, ticket_id) == p.conversation_id
    if not (p.has_role("operator") or own_note):
        raise forbidden("only staff may change a ticket")
    return feedback.update(ctx, ticket_id, body.status, body.note, body.assignee, p.actor)
