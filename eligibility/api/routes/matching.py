"""POST /match."""

from __future__ import annotations

from typing import Any, Dict, Optional

from fastapi import APIRouter, Depends

from eligibility.api.routes.deps import context, optional_principal
from eligibility.api.schemas import MatchRequest
from eligibility.auth.access import not_bound, own_subject
from eligibility.auth.principal import Principal
from eligibility.context import Context
from eligibility.errors import not_found
from eligibility.profiles.store import derive
from eligibility.services.matching import Filters, compact, match
from eligibility.services.profiles import checked_fields, display_id, get_profile

router = APIRouter()


@router.post("/match", tags=["matching"],
             summary="按临时画像（任何人）或数据账户（须登录：本人，或对话已绑定的主体 me）匹配全部政策；"
                     "view=compact 只回对话所需（下一个问题、符合条件的政策摘要、卡片的条件）")
def post_match(body: MatchRequest, ctx: Context = Depends(context),
               p: Optional[Principal] = Depends(optional_principal)) -> Dict[str, Any]:
    ps = ctx.policies
    audience: Optional[str] = body.audience
    subject: Dict[str, Any]
    if body.profile_id is not None:
        if p is None:
            raise not_bound()
        pid = own_subject(p, body.profile_id, staff_roles=("operator", "reviewer"))
        with ctx.db.read() as conn:
            profile = get_profile(conn, pid, ps.catalogue)
        values = profile.values(ctx.today())
        audience = audience or profile.kind
        subject = {"profile_id": display_id(profile.id), "kind": profile.kind}
    else:
        values = derive(checked_fields(body.fields or {}, ps.catalogue), ctx.today())
        subject = {"profile_id": None, "kind": audience}
    if body.policy_ids:
        unknown = [pid for pid in body.policy_ids if ps.get(pid) is None]
        if unknown:
            raise not_found("政策", unknown[0], "policy_not_found")
    filters = Filters(audience=audience, category=body.category, window_open=body.window_open, handling=body.handling,
                      policy_ids=tuple(body.policy_ids) if body.policy_ids else None)
    answer = match(ps, values, filters, ctx.today())
    if body.view == "compact":  # a conversation turn: what it says, not every policy's checklist
        answer = compact(answer, body.shown, every_detail=bool(body.policy_ids))
    return {"subject": subject, "ruleset_version": ps.version, **answer}
