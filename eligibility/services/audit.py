"""The append-only audit log: every change of state, who made it, when, and the state before and after.
Values are masked before they are written (the log is read by staff); the database refuses UPDATE and
DELETE on the table (triggers, migration 4)."""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any, Dict, List, Optional

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from eligibility.auth.principal import Principal
from eligibility.context import Context
from eligibility.storage import tables as t
from privacy.masking import mask_text


def subject_key(ctx: Context, subject_id: str) -> str:
    return hmac.new(ctx.token_secret.encode(), f"audit:{subject_id}".encode(), hashlib.sha256).hexdigest()


def _masked(value: Any) -> Optional[str]:
    if value is None:
        return None
    return mask_text(json.dumps(value, ensure_ascii=False, default=str, sort_keys=True))


def record(conn: Connection, ctx: Context, actor: Principal | str, action: str, target_kind: str,
           target_id: Optional[str], *, subject_id: Optional[str] = None, before: Any = None, after: Any = None,
           reason: Optional[str] = None) -> None:
    conn.execute(t.audit_log.insert().values(
        at=ctx.now(), actor=actor.actor if isinstance(actor, Principal) else actor, action=action,
        target_kind=target_kind, target_id=mask_text(target_id) if target_id else None,
        subject_key=subject_key(ctx, subject_id) if subject_id else None,
        before_json=_masked(before), after_json=_masked(after), reason=mask_text(reason)[:400] if reason else None))


def _view(r: Any) -> Dict[str, Any]:
    return {"id": r["id"], "at": r["at"].isoformat(timespec="seconds"), "actor": r["actor"], "action": r["action"],
            "target_kind": r["target_kind"], "target_id": r["target_id"],
            "before": json.loads(r["before_json"]) if r["before_json"] else None,
            "after": json.loads(r["after_json"]) if r["after_json"] else None, "reason": r["reason"]}


def entries(ctx: Context, subject_id: Optional[str] = None, action: Optional[str] = None, limit: int = 100,
            offset: int = 0) -> List[Dict[str, Any]]:
    q = sa.select(t.audit_log)
    if subject_id:
        q = q.where(t.audit_log.c.subject_key == subject_key(ctx, subject_id))
    if action:
        q = q.where(t.audit_log.c.action == action)
    with ctx.db.read() as conn:
        rows = conn.execute(q.order_by(t.audit_log.c.id.desc()).limit(limit).offset(offset)).mappings().all()
    return [_view(r) for r in rows]
