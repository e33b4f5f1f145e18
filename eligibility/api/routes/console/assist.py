"""The operator's helper on a live call: ranked answers, a quick eligibility check, work orders."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query

from eligibility.api.routes.console.tickets import ticket_out
from eligibility.api.routes.deps import console_staff, context
from eligibility.api.schemas import (
    AssistAnswers,
    AssistRequest,
    QuickCheck,
    QuickCheckRequest,
    Ticket,
    WorkOrderDraft,
    WorkOrderRequest,
)
from eligibility.auth.principal import Principal
from eligibility.context import Context
from eligibility.services import assist

router = APIRouter(prefix="/api/console", tags=["console"])
OPERATOR = console_staff("operator")


@router.post("/assist", response_model=AssistAnswers, summary="通话助手：按来电人的问题给出带出处的参考答案（前5条，每个文件一条）")
def answers(body: AssistRequest, ctx: Context = Depends(context), p: Principal = Depends(OPERATOR)) -> AssistAnswers:
    return AssistAnswers(**assist.suggest(ctx, body.question))


@router.post("/quick-check", response_model=QuickCheck,
             summary="快速资格核验：按统一社会信用代码或身份证号查看可享政策（须填写事由，记入审计日志）")
def quick_check(body: QuickCheckRequest, ctx: Context = Depends(context),
                p: Principal = Depends(OPERATOR)) -> QuickCheck:
    return QuickCheck(**assist.quick_check(ctx, body.subject_id, body.reason, p.actor))


@router.get("/work-orders/draft", response_model=WorkOrderDraft, summary="从工单（如转人工）的对话生成工单草稿")
def work_order_draft(ticket_id: str = Query(..., min_length=1, max_length=40), ctx: Context = Depends(context),
                     p: Principal = Depends(OPERATOR)) -> WorkOrderDraft:
    return WorkOrderDraft(**assist.draft(ctx, ticket_id))


@router.post("/work-orders", response_model=Ticket, status_code=201,
             summary="登记工单：来电人、诉求、涉及政策、处理结果、下一步（脱敏保存）")
def work_order(body: WorkOrderRequest, ctx: Context = Depends(context), p: Principal = Depends(OPERATOR)) -> Ticket:
    made = assist.create_work_order(ctx, caller=body.caller, question=body.question, outcome=body.outcome,
                                    next_step=body.next_step, actor=p.actor, policy_id=body.policy_id,
                                    ticket_id=body.ticket_id, conversation_id=body.conversation_id,
                                    contact=body.contact)
    return ticket_out(ctx, made)
