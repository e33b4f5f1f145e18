"""The notification outbox: every message the assistant promises ("请留意短信通知", one-time codes) is
written here in the same transaction as the change it reports, then handed to an SMS adapter.

In the default mode no SMS gateway is configured: messages stay ``queued`` and are visible through
``GET /outbox`` (staff) and ``policybot eligibility outbox``. A real gateway implements ``SmsSender``."""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Protocol

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from eligibility.context import Context
from eligibility.storage import tables as t
from privacy.masking import mask_text

MAX_ATTEMPTS = 5


class SmsSender(Protocol):
    def send(self, recipient: str, body: str) -> None:
        """Deliver one SMS; raise on failure (the message stays queued and is retried)."""


def queue_sms(conn: Connection, ctx: Context, recipient: str, body: str, purpose: str,
              subject_id: Optional[str] = None, dedupe_key: Optional[str] = None) -> int:
    res = conn.execute(t.outbox.insert().values(channel="sms", recipient=recipient, subject_id=subject_id,
                                                purpose=purpose, body=body, status="queued", attempts=0,
                                                dedupe_key=dedupe_key, created_at=ctx.now()))
    return int(res.inserted_primary_key[0])


def queue_to_subject(conn: Connection, ctx: Context, subject_id: str, body: str, purpose: str,
                     dedupe_key: Optional[str] = None) -> Optional[int]:
    """An SMS to the mobile number the data account holds for this subject (None when it holds none)."""
    mobile = conn.execute(sa.select(t.profiles.c.mobile).where(t.profiles.c.id == subject_id)).scalar()
    if not mobile:
        return None
    return queue_sms(conn, ctx, mobile, body, purpose, subject_id, dedupe_key)


def dispatch(ctx: Context, sender: SmsSender, limit: int = 100) -> Dict[str, int]:
    """Send queued messages in order; a failure is counted and retried later, never lost or sent twice."""
    sent = failed = 0
    with ctx.db.read() as conn:
        ids = conn.execute(sa.select(t.outbox.c.id).where(t.outbox.c.status == "queued")
                           .order_by(t.outbox.c.id).limit(limit)).scalars().all()
    for mid in ids:
        with ctx.db.write() as conn:
            row = conn.execute(sa.select(t.outbox).where(t.outbox.c.id == mid, t.outbox.c.status == "queued")).mappings().first()
            if row is None:  # another dispatcher took it
                continue
            try:
                sender.send(row["recipient"], row["body"])
            except Exception as exc:  # noqa: BLE001 - any gateway failure keeps the message for a retry
                attempts = row["attempts"] + 1
                conn.execute(t.outbox.update().where(t.outbox.c.id == mid).values(
                    attempts=attempts, status="failed" if attempts >= MAX_ATTEMPTS else "queued",
                    error=mask_text(f"{type(exc).__name__}: {exc}")[:200]))
                failed += 1
                continue
            conn.execute(t.outbox.update().where(t.outbox.c.id == mid).values(
                status="sent", attempts=row["attempts"] + 1, sent_at=ctx.now(), error=None))
            sent += 1
    return {"sent": sent, "failed": failed}


def view(row: Any) -> Dict[str, Any]:
    return {"id": row["id"], "channel": row["channel"], "recipient": mask_text(row["recipient"]),
            "purpose": row["purpose"], "body": row["body"], "status": row["status"], "attempts": row["attempts"],
            "created_at": row["created_at"].isoformat(timespec="seconds"),
            "sent_at": row["sent_at"].isoformat(timespec="seconds") if row["sent_at"] else None}


def messages(ctx: Context, subject_id: Optional[str] = None, purpose: Optional[str] = None,
             status: Optional[str] = None, limit: int = 50) -> List[Dict[str, Any]]:
    q = sa.select(t.outbox)
    if subject_id:
        q = q.where(t.outbox.c.subject_id == subject_id)
    if purpose:
        q = q.where(t.outbox.c.purpose == purpose)
    if status:
        q = q.where(t.outbox.c.status == status)
    with ctx.db.read() as conn:
        rows = conn.execute(q.order_by(t.outbox.c.id.desc()).limit(limit)).mappings().all()
    return [view(r) for r in rows]
