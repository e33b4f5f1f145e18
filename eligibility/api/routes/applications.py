"""POST /applications (one click), GET /applications/{id}, PATCH /applications/{id}; POST /grants/{id}/confirm."""

from __future__ import annotations

from typing import Any, Dict, Optional

from fastapi import APIRouter, Depends, Header, Path
from fastapi.responses import Response

from eligibility.api.response import MaskedJSONResponse
from eligibility.api.routes.deps import context
from eligibility.api.schemas import ApplicationRequest, ApplicationUpdate, GrantConfirm
from eligibility.context import Context
from eligibility.errors import invalid
from eligibility.services import applications, grants

router = APIRouter()


@router.post("/applications", tags=["applications"], status_code=201,
             summary="一键申请：核验数据预填、电子证照引用、幂等（Idempotency-Key）、符合条件的即时秒批")
def post_application(body: ApplicationRequest, ctx: Context = Depends(context),
                     idempotency_key: Optional[str] = Header(None, max_length=120)) -> Response:
    key = body.idempotency_key or idempotency_key
    if body.idempotency_key and idempotency_key and body.idempotency_key != idempotency_key:
        raise invalid("idempotency_key_conflict", "请求头与请求体中的幂等键不一致。", "header and body keys differ")
    app, replayed = applications.create(ctx, body.profile_id, body.policy_id, key, body.fields)
    return MaskedJSONResponse(app, status_code=200 if replayed else 201,
                              headers={"Idempotent-Replayed": "true" if replayed else "false"})


@router.get("/applications/{application_id}", tags=["applications"], summary="申请详情与状态历史")
def get_application(application_id: str = Path(..., max_length=40), ctx: Context = Depends(context)) -> Dict[str, Any]:
    return applications.get(ctx, application_id)


@router.patch("/applications/{application_id}", tags=["applications"], summary="审核人员推进申请状态")
def patch_application(body: ApplicationUpdate, application_id: str = Path(..., max_length=40),
                      ctx: Context = Depends(context)) -> Dict[str, Any]:
    return applications.advance(ctx, application_id, body.status, body.note, body.actor)


@router.post("/grants/{grant_id}/confirm", tags=["grants"], summary="免申即享：确认收款账户（仅一次），随后发放")
def confirm_grant(body: GrantConfirm, grant_id: int = Path(..., ge=1, le=2**62),
                  ctx: Context = Depends(context)) -> Dict[str, Any]:
    return grants.confirm(ctx, grant_id, body.profile_id, body.account_number, body.account_name, body.bank)
