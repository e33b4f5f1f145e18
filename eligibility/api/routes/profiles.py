"""GET /profiles/{id}, POST /profiles/{id}/fields, applications and notifications of a profile."""

from __future__ import annotations

from typing import Any, Dict

from fastapi import APIRouter, Depends

from eligibility.api.routes.deps import context
from eligibility.api.schemas import DeclareRequest
from eligibility.context import Context
from eligibility.profiles.store import declare
from eligibility.services import applications, grants
from eligibility.services.profiles import checked_fields, get_profile, profile_view

router = APIRouter(tags=["profiles"])


@router.get("/profiles/{profile_id}", summary="数据账户：字段、来源（核验/申报）与时间（身份证号与姓名脱敏）")
def get(profile_id: str, ctx: Context = Depends(context)) -> Dict[str, Any]:
    with ctx.db.read() as conn:
        profile = get_profile(conn, profile_id, ctx.policies.catalogue)
    return profile_view(profile, ctx.policies.catalogue, ctx.today())


@router.post("/profiles/{profile_id}/fields", summary="记录用户在对话中申报的信息（declared）")
def post_fields(profile_id: str, body: DeclareRequest, ctx: Context = Depends(context)) -> Dict[str, Any]:
    cat = ctx.policies.catalogue
    values = checked_fields(body.fields, cat)
    with ctx.db.write() as conn:
        profile = get_profile(conn, profile_id, cat)
        accepted, ignored = declare(conn, profile, values, cat, body.conversation_id, ctx.now())
    return {"accepted": accepted, "ignored": ignored, "profile": profile_view(profile, cat, ctx.today())}


@router.get("/profiles/{profile_id}/applications", summary="该主体的全部申请")
def list_applications(profile_id: str, ctx: Context = Depends(context)) -> Dict[str, Any]:
    items = applications.for_profile(ctx, profile_id)
    return {"count": len(items), "applications": items}


@router.get("/profiles/{profile_id}/notifications", summary="该主体的消息（免申即享、申请进度）")
def list_notifications(profile_id: str, ctx: Context = Depends(context)) -> Dict[str, Any]:
    items = grants.notifications(ctx, profile_id)
    return {"count": len(items), "notifications": items}
