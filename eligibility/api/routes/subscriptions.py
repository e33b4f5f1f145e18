"""POST /subscriptions, GET /subscriptions?conversation_id=…, DELETE /subscriptions/{id},
GET /subscriptions/{id}/due?within_days=N (application-window reminders)."""

from __future__ import annotations

from typing import Any, Dict

from fastapi import APIRouter, Depends, Path, Query
from fastapi.responses import Response

from eligibility.api.response import MaskedJSONResponse
from eligibility.api.routes.deps import context, principal
from eligibility.api.schemas import SubscriptionRequest
from eligibility.auth.access import forbidden, own_subject
from eligibility.auth.principal import Principal
from eligibility.context import Context
from eligibility.services import subscriptions

router = APIRouter(tags=["subscriptions"])


@router.post("/subscriptions", status_code=201,
             summary="订阅申报提醒（类别、政策编号或 all）；同一对话重复订阅同一主题返回已有订阅（200）")
def post_subscription(body: SubscriptionRequest, ctx: Context = Depends(context),
                      p: Principal = Depends(principal)) -> MaskedJSONResponse:
    _own_conversation(p, body.conversation_id)
    pid = own_subject(p, body.profile_id) if body.profile_id else p.subject_id
    sub, created = subscriptions.subscribe(ctx, body.conversation_id, body.topic, pid)
    return MaskedJSONResponse(sub, status_code=201 if created else 200)


@router.get("/subscriptions", summary="某次对话的全部订阅")
def list_subscriptions(conversation_id: str = Query(..., min_length=1, max_length=80),
                       ctx: Context = Depends(context), p: Principal = Depends(principal)) -> Dict[str, Any]:
    if not p.has_role("operator"):
        _own_conversation(p, conversation_id)
    items = subscriptions.for_conversation(ctx, conversation_id)
    return {"count": len(items), "subscriptions": items}


@router.delete("/subscriptions/{subscription_id}", status_code=204, summary="取消订阅")
def delete_subscription(subscription_id: str = Path(..., max_length=40), ctx: Context = Depends(context),
                        p: Principal = Depends(principal)) -> Response:
    _may_touch(ctx, p, subscription_id)
    subscriptions.unsubscribe(ctx, subscription_id)
    return Response(status_code=204)


@router.get("/subscriptions/{subscription_id}/due",
            summary="该订阅涵盖的政策中，申报期在未来 N 天内开始或截止的（供提醒任务使用）")
def due(subscription_id: str = Path(..., max_length=40), within_days: int = Query(30, ge=0, le=366),
        ctx: Context = Depends(context), p: Principal = Depends(principal)) -> Dict[str, Any]:
    _may_touch(ctx, p, subscription_id)
    return subscriptions.due(ctx, subscription_id, within_days)


def _own_conversation(p: Principal, conversation_id: str) -> None:
    """The action server subscribes for the conversation it speaks for; a subject token for its own."""
    if p.conversation_id != conversation_id:
        raise forbidden("a subscription belongs to the caller's own conversation")


def _may_touch(ctx: Context, p: Principal, subscription_id: str) -> None:
    if p.has_role("operator"):
        return
    owner = subscriptions.owner(ctx, subscription_id)
    if owner is None or not ((p.conversation_id and owner[0] == p.conversation_id) or
                             (p.subject_id and owner[1] == p.subject_id)):
        raise forbidden("the subscription is not the caller's")
