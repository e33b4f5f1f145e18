"""Application reviews from the 12345 console: the applications waiting for a reviewer, and the decision
(``applications.advance``: the applicant is notified, a rejection with its reason)."""

from __future__ import annotations

from typing import Any, Dict, Optional

import sqlalchemy as sa

from eligibility.context import Context
from eligibility.errors import invalid
from eligibility.services import applications
from eligibility.storage import tables as t

WAITING = "under_review"


def _item(app: Dict[str, Any]) -> Dict[str, Any]:
    applicant = app["form"]["applicant"]  # masked by applications' own rendering
    trail = app["rule_trail"]
    return {"id": app["id"], "policy_id": app["policy_id"], "policy_title": app["policy_title"],
            "applicant": app["profile_id"], "applicant_name": applicant.get("name"),
            "applicant_kind": applicant.get("kind"), "handling": app["handling"], "status": app["status"],
            "status_label": app["status_label"], "system_opinion": trail.get("reason"),
            "benefit": app["benefit"].get("text"), "estimate_wan": app["benefit"].get("estimate_wan"),
            "created_at": app["created_at"], "history": app["history"]}


def waiting(ctx: Context, limit: int, offset: int) -> Dict[str, Any]:
    """Applications under review, oldest first."""
    where = t.applications.c.status == WAITING
    with ctx.db.read() as conn:
        total = int(conn.execute(sa.select(sa.func.count()).select_from(t.applications).where(where)).scalar() or 0)
        ids = conn.execute(sa.select(t.applications.c.id).where(where).order_by(
            t.applications.c.created_at, t.applications.c.id).limit(limit).offset(offset)).scalars().all()
        return {"total": total, "items": [_item(applications.view(conn, i, ctx)) for i in ids]}


def decide(ctx: Context, app_id: str, decision: str, reason: Optional[str], actor: str) -> Dict[str, Any]:
    """Approve or reject; a rejection needs a reason, which the applicant sees (history, notice, SMS)."""
    reason = (reason or "").strip() or None
    if decision == "rejected" and reason is None:
        raise invalid("reason_required", "不予通过时请填写理由，申请人会看到。", "rejecting needs a reason")
    return _item(applications.advance(ctx, app_id, decision, reason, actor))
