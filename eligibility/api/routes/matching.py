"""POST /match."""

from __future__ import annotations

from typing import Any, Dict, Optional

from fastapi import APIRouter, Depends

from eligibility.api.routes.deps import context
from eligibility.api.schemas import MatchRequest
from eligibility.context import Context
from eligibility.errors import not_found
from eligibility.profiles.store import derive
from eligibility.services.matching import Filters, match
from eligibility.services.profiles import checked_fields, display_id, get_profile

router = APIRouter()


@router.post("/match", tags=["matching"], summary="按数据账户或临时画像匹配全部政策")
def post_match(body: MatchRequest, ctx: Context = Depends(context)) -> Dict[str, Any]:
    ps = ctx.policies
    audience: Optional[str] = body.audience
    subject: Dict[str, Any]
    if body.profile_id is not None:
        with ctx.db.read() as conn:
            profile = get_profile(conn, body.profile_id, ps.catalogue)
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
    return {"subject": subject, "ruleset_version": ps.version, **match(ps, values, filters, ctx.today())}
