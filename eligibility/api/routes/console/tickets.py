"""Tickets (好差评 callbacks, complaints, handoffs, work orders) and application reviews from the console."""

from __future__ import annotations

from typing import Any, Dict, Optional

from fastapi import APIRouter, Depends, Path, Query

from eligibility.api.routes.deps import console_staff, context
from eligibility.api.schemas import ReviewDecision, ReviewItem, ReviewList, Ticket, TicketList, TicketUpdate
from eligibility.auth.principal import Principal
from eligibility.context import Context
from eligibility.errors import invalid
from eligibility.services import feedback, reviews, staff

router = APIRouter(prefix="/api/console", tags=["console"])
OPERATOR = console_staff("operator")
REVIEWER = console_staff("reviewer")
KINDS = "^(" + "|".join(feedback.FLOWS) + ")$"
STATUSES = "^(" + "|".join(sorted({s for flow in feedback.FLOWS.values() for s in flow})) + ")$"


def ticket_out(ctx: Context, view: Dict[str, Any]) -> Ticket:
    """A ticket as the console shows it: with whether it is overdue and the statuses it may move to."""
    due = view["due_date"]
    return Ticket(**view, overdue=bool(due) and view["status"] != "已办结" and due < ctx.today().isoformat(),
                  next_statuses=list(feedback.FLOWS.get(view["kind"], {}).get(view["status"], ())))


@router.get("/tickets", response_model=TicketList, summary="工单列表：按类型、状态、是否超期筛选（新建在前）")
def list_tickets(kind: Optional[str] = Query(None, regex=KINDS), status: Optional[str] = Query(None, regex=STATUSES),
                 overdue: bool = False, limit: int = Query(50, ge=1, le=200), offset: int = Query(0, ge=0, le=10**6),
                 ctx: Context = Depends(context), p: Principal = Depends(OPERATOR)) -> TicketList:
    found = feedback.list_tickets(ctx, status, kind, overdue, limit, offset)
    return TicketList(total=found["total"], tickets=[ticket_out(ctx, v) for v in found["tickets"]])


@router.get("/tickets/{ticket_id}", response_model=Ticket, summary="工单详情：对话记录与经办记录")
def get_ticket(ticket_id: str = Path(..., max_length=40), ctx: Context = Depends(context),
               p: Principal = Depends(OPERATOR)) -> Ticket:
    return ticket_out(ctx, feedback.get(ctx, ticket_id))


@router.patch("/tickets/{ticket_id}", response_model=Ticket,
              summary="更新工单：状态流转、备注、经办人（经办记录署当前登录的坐席）")
def patch_ticket(body: TicketUpdate, ticket_id: str = Path(..., max_length=40), ctx: Context = Depends(context),
                 p: Principal = Depends(OPERATOR)) -> Ticket:
    if body.assignee and not staff.roles_of(ctx, body.assignee):
        raise invalid("unknown_assignee", f"没有名为“{body.assignee}”的在岗工作人员，请核对经办人账号。",
                      "assignee is not an active staff username")
    return ticket_out(ctx, feedback.update(ctx, ticket_id, body.status, body.note, body.assignee, p.actor))


@router.get("/reviews", response_model=ReviewList, summary="待审核的申请（申请人信息脱敏，先到先审）")
def list_reviews(limit: int = Query(50, ge=1, le=200), offset: int = Query(0, ge=0, le=10**6),
                 ctx: Context = Depends(context), p: Principal = Depends(REVIEWER)) -> ReviewList:
    return ReviewList(**reviews.waiting(ctx, limit, offset))


@router.post("/reviews/{application_id}", response_model=ReviewItem,
             summary="审核决定：通过，或不予通过（须填写理由，申请人可见）")
def decide(body: ReviewDecision, application_id: str = Path(..., max_length=40), ctx: Context = Depends(context),
           p: Principal = Depends(REVIEWER)) -> ReviewItem:
    return ReviewItem(**reviews.decide(ctx, application_id, body.decision, body.reason, p.actor))
