"""POST /applications (one click), GET /applications/{id}, PATCH /applications/{id}; POST /grants/{id}/confirm."""

from __future__ import annotations

from typing import Any, Dict, Optional

from fastapi import APIRouter, Depends, Header, Path
from fastapi.responses import Response

from eligibility.api.response import created_or_replayed
from eligibility.api.routes.deps import context, idempotency_key_of, principal, staff_with
from eligibility.api.schemas import ApplicationRequest, ApplicationUpdate, GrantConfirm
from eligibility.auth.access import forbidden, own_subject
from eligibility.auth.principal import Principal
from eligibility.context import Context
from eligibility.errors import invalid
from eligibility.services import applications, grants

router = APIRouter()


@router.post("/applications", tags=["applications"], status_code=201,
             summary="一键申请：核验数据预填、电子证照引用、幂等（Idempotency-Key）、符合条件的即时秒批")
def post_application(body: ApplicationRequest, ctx: Context = Depends(context), p: Principal = Depends(principal),
                     idempotency_key: Optional[str] = Header(None, max_length=120)) -> Response:
    pid = own_subject(p, body.profile_id)  # only the subject itself (or its bound conversation) applies
    key = idempotency_key_of(body.idempotency_key, idempotency_key)
    return created_or_replayed(*applications.create(ctx, pid, body.policy_id, key, body.fields, actor=p.actor))


@router.get("/applications/{application_id}", tags=["applications"], summary="申请详情与状态历史")
def get_application(application_id: str = Path(..., max_length=40), ctx: Context = Depends(context),
                    p: Principal = Depends(principal)) -> Dict[str, Any]:
    owner = applications.owner(ctx, application_id)
    if not p.has_role("operator", "reviewer") and (owner is None or owner != p.subject_id):
        raise forbidden()  # also for an unknown id: never tell whether someone else's application exists
    return applications.get(ctx, application_id)


@router.patch("/applications/{application_id}", tags=["applications"],
              summary="审核人员推进申请状态（须 reviewer 角色；不通过须写明申请人可见的理由）")
def patch_application(body: ApplicationUpdate, application_id: str = Path(..., max_length=40),
                      ctx: Context = Depends(context),
                      p: Principal = Depends(staff_with("reviewer"))) -> Dict[str, Any]:
    if body.status == "rejected" and not body.note:
        raise invalid("reason_required", "不予通过时请填写理由，申请人会看到。", "rejecting needs a note")
    return applications.advance(ctx, application_id, body.status, body.note, p.actor)


@router.post("/grants/{grant_id}/confirm", tags=["grants"], summary="免申即享：确认收款账户（仅一次），随后发放")
def confirm_grant(body: GrantConfirm, grant_id: int = Path(..., ge=1, le=2**62),
                  ctx: Context = Depends(context), p: Principal = Depends(principal)) -> Dict[str, Any]:
    pid = own_subject(p, body.profile_id)
    if grants.owner(ctx, grant_id) != pid:
        raise forbidden()  # also for an unknown id: never tell whether someone else's grant exists
    return grants.confirm(ctx, grant_id, pid, body.account_number, body.account_name, body.bank, p)
