"""GET /profiles/{id}, POST /profiles/{id}/fields, applications and notifications of a profile.
``{id}`` is the caller's own subject (or ``me``); staff read with a role, and the read is audited."""

from __future__ import annotations

from typing import Any, Dict

from fastapi import APIRouter, Depends

from eligibility.api.routes.deps import context, principal
from eligibility.api.schemas import DeclareRequest
from eligibility.auth.access import own_subject
from eligibility.auth.principal import Principal
from eligibility.context import Context
from eligibility.profiles.store import declare
from eligibility.services import applications, audit, grants
from eligibility.services.profiles import checked_fields, display_id, get_profile, profile_view

router = APIRouter(tags=["profiles"])
STAFF_READ = ("operator", "reviewer")


def _audit_staff_read(ctx: Context, p: Principal, pid: str, what: str) -> None:
    if p.is_staff:
        with ctx.db.write() as conn:
            audit.record(conn, ctx, p, "personal_data.read", what, display_id(pid), subject_id=pid)


@router.get("/profiles/{profile_id}", summary="数据账户：字段、来源（核验/申报）与时间（身份证号与姓名脱敏）")
def get(profile_id: str, ctx: Context = Depends(context), p: Principal = Depends(principal)) -> Dict[str, Any]:
    pid = own_subject(p, profile_id, staff_roles=STAFF_READ)
    with ctx.db.read() as conn:
        profile = get_profile(conn, pid, ctx.policies.catalogue)
    _audit_staff_read(ctx, p, pid, "profile")
    return profile_view(profile, ctx.policies.catalogue, ctx.today())


@router.post("/profiles/{profile_id}/fields", summary="记录用户在对话中申报的信息（declared）")
def post_fields(profile_id: str, body: DeclareRequest, ctx: Context = Depends(context),
                p: Principal = Depends(principal)) -> Dict[str, Any]:
    pid = own_subject(p, profile_id)
    cat = ctx.policies.catalogue
    values = checked_fields(body.fields, cat)
    with ctx.db.write() as conn:
        profile = get_profile(conn, pid, cat)
        accepted, ignored = declare(conn, profile, values, cat, body.conversation_id or p.conversation_id, ctx.now())
        if accepted:
            audit.record(conn, ctx, p, "profile.declare", "profile", display_id(pid), subject_id=pid,
                         after={"fields": sorted(accepted)})
    return {"accepted": accepted, "ignored": ignored, "profile": profile_view(profile, cat, ctx.today())}


@router.get("/profiles/{profile_id}/applications", summary="该主体的全部申请")
def list_applications(profile_id: str, ctx: Context = Depends(context),
                      p: Principal = Depends(principal)) -> Dict[str, Any]:
    pid = own_subject(p, profile_id, staff_roles=STAFF_READ)
    items = applications.for_profile(ctx, pid)
    _audit_staff_read(ctx, p, pid, "applications")
    return {"count": len(items), "applications": items}


@router.get("/profiles/{profile_id}/notifications", summary="该主体的消息（免申即享、申请进度）")
def list_notifications(profile_id: str, ctx: Context = Depends(context),
                       p: Principal = Depends(principal)) -> Dict[str, Any]:
    pid = own_subject(p, profile_id, staff_roles=STAFF_READ)
    items = grants.notifications(ctx, pid)
    _audit_staff_read(ctx, p, pid, "notifications")
    return {"count": len(items), "notifications": items}
