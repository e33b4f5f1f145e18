"""Live handoff: the queue, taking a conversation, replying, handing back to the bot."""

from __future__ import annotations

from typing import List, Optional

from fastapi import APIRouter, Depends, Path, Query
from pydantic import BaseModel, Field

from eligibility.api.routes.deps import console_staff, context
from eligibility.api.schemas import Body
from eligibility.auth.principal import Principal
from eligibility.context import Context
from eligibility.services import handoffs

router = APIRouter(prefix="/api/console", tags=["console"])
OPERATOR = console_staff("operator")
TicketId = Path(..., max_length=40)


class HandoffItem(BaseModel):
    id: str
    status: str
    live: bool
    channel: Optional[str]
    created_at: str
    waited_minutes: int
    due_date: Optional[str]
    summary: str
    assignee: Optional[str]
    assignee_name: Optional[str]
    subject: Optional[str] = Field(None, description="脱敏后的证件号码或统一社会信用代码")


class HandoffQueue(BaseModel):
    total: int
    waiting: int = Field(..., description="无人接入的转人工会话数")
    items: List[HandoffItem]


class Line(BaseModel):
    role: str = Field(..., description="user | bot | operator")
    text: str
    at: Optional[str]
    operator: Optional[str] = None


class HandoffDetail(HandoffItem):
    transcript: List[Line]
    transcript_source: str = Field(..., description="rasa（实时）| ticket（已归档）| console（对话服务暂不可达）")


class OperatorMessage(Body):
    text: str = Field(..., min_length=1, max_length=2000)


class Sent(BaseModel):
    text: str
    at: str


class Release(Body):
    note: str = Field(..., min_length=1, max_length=2000, description="处理情况，记入工单")


@router.get("/handoffs", response_model=HandoffQueue, summary="转人工队列：waiting 待接入、mine 我的接待、open 全部未结、closed 已结束")
def list_handoffs(scope: str = Query("waiting", regex="^(waiting|mine|open|closed)$"),
                  limit: int = Query(50, ge=1, le=200), offset: int = Query(0, ge=0, le=10**6),
                  ctx: Context = Depends(context), p: Principal = Depends(OPERATOR)) -> HandoffQueue:
    return HandoffQueue(**handoffs.queue(ctx, scope, p.name, limit, offset))


@router.get("/handoffs/{ticket_id}", response_model=HandoffDetail, summary="会话详情：转接前的对话与转接后的实时消息（脱敏）")
def get_handoff(ticket_id: str = TicketId, ctx: Context = Depends(context),
                p: Principal = Depends(OPERATOR)) -> HandoffDetail:
    return HandoffDetail(**handoffs.detail(ctx, ticket_id))


@router.post("/handoffs/{ticket_id}/claim", response_model=HandoffDetail,
             summary="接入会话（同一会话只能由一位坐席接入，否则 409 handoff_taken）")
def claim(ticket_id: str = TicketId, ctx: Context = Depends(context),
          p: Principal = Depends(OPERATOR)) -> HandoffDetail:
    return HandoffDetail(**handoffs.claim(ctx, ticket_id, p.name))


@router.post("/handoffs/{ticket_id}/messages", response_model=Sent, status_code=201,
             summary="回复用户：经用户所在渠道送达（网页聊天推送、微信客服消息）")
def send(body: OperatorMessage, ticket_id: str = TicketId, ctx: Context = Depends(context),
         p: Principal = Depends(OPERATOR)) -> Sent:
    return Sent(**handoffs.say(ctx, ticket_id, p.name, body.text))


@router.post("/handoffs/{ticket_id}/release", response_model=HandoffDetail,
             summary="结束人工服务并交还机器人（工单办结，记录处理情况）")
def release(body: Release, ticket_id: str = TicketId, ctx: Context = Depends(context),
            p: Principal = Depends(OPERATOR)) -> HandoffDetail:
    return HandoffDetail(**handoffs.release(ctx, ticket_id, p.name, body.note))
