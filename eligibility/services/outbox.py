"""The notification outbox: every message the assistant promises ("请留意短信通知", one-time codes,
reminders, 免申即享 notices) is written here in the same transaction as the change it reports, then handed
to its channel.

- ``sms``: to a mobile number. In the default mode no SMS gateway is configured: messages stay ``queued``
  and are visible through ``GET /outbox`` (staff) and ``policybot outbox``. A real gateway implements
  ``SmsSender``.
- ``chat``: to a conversation (the recipient is its id), sent by ``dispatch_chat`` through Rasa
  (``ctx.bridge``) to the channel the user last wrote from. A message is claimed before it is sent (one
  sender however many dispatchers run), retried with a doubling delay after a failure and marked
  ``failed`` after ``outbox_max_attempts``. Every attempt tags the bot event with the message's id, and a
  retry first looks for that tag in the conversation, so a message whose delivery was only reported as
  failed (a timeout after Rasa took it, a crash) is never sent twice.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any, Dict, List, Mapping, Optional, Protocol

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from eligibility.clients.rasa import ConversationBridge, bot_event
from eligibility.context import Context
from eligibility.storage import tables as t
from privacy.masking import mask_text

log = logging.getLogger("eligibility.outbox")

MAX_ATTEMPTS = 5  # SMS
CHAT_LEASE = dt.timedelta(minutes=10)  # a claimed chat message not settled by then is checked and retried
MAX_RETRY_DELAY = dt.timedelta(hours=1)
# what the user can tap under a chat message, per purpose (each payload is an intent the bot's rules handle:
# /apply prepares the application of the conversation's current policy, /check_grants lists 免申即享 grants)
CHAT_BUTTONS: Dict[str, List[Dict[str, str]]] = {
    "reminder": [{"title": "一键申报", "payload": "/apply"}, {"title": "需要什么材料", "payload": "需要什么材料"}],
    "grant": [{"title": "确认收款账户", "payload": "/check_grants"}],
}


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


def queue_chat(conn: Connection, ctx: Context, conversation_id: str, body: str, purpose: str,
               subject_id: Optional[str] = None, policy_id: Optional[str] = None,
               dedupe_key: Optional[str] = None) -> Optional[int]:
    """A message to a conversation, sent by ``dispatch_chat``; None when ``dedupe_key`` was queued before
    (in a savepoint: the caller's transaction goes on)."""
    try:
        with conn.begin_nested():
            res = conn.execute(t.outbox.insert().values(
                channel="chat", recipient=conversation_id, subject_id=subject_id, purpose=purpose,
                policy_id=policy_id, body=mask_text(body), status="queued", attempts=0, dedupe_key=dedupe_key,
                created_at=ctx.now()))
    except IntegrityError:
        if dedupe_key is None:
            raise
        return None
    return int(res.inserted_primary_key[0])


def retry_delay(ctx: Context, attempts: int) -> dt.timedelta:
    """How long after its ``attempts``-th failed attempt a chat message is tried again (doubling, capped)."""
    first = dt.timedelta(seconds=ctx.settings.outbox_retry_seconds)
    return min(first * (2 ** max(0, attempts - 1)), MAX_RETRY_DELAY)


def chat_events(row: Mapping[str, Any]) -> List[Dict[str, Any]]:
    """The events a chat message becomes: the bot's message (tagged with the outbox id) and, when it is about
    a policy, that policy as the conversation's current one, so “一键申报” or “需要什么材料” refers to it."""
    events = [bot_event(row["body"], buttons=CHAT_BUTTONS.get(row["purpose"]),
                        metadata={"outbox_id": row["id"], "purpose": row["purpose"]})]
    if row["policy_id"]:
        events.append({"event": "slot", "name": "current_policy", "value": row["policy_id"],
                       "timestamp": events[0]["timestamp"]})
    return events


def _delivered_before(bridge: ConversationBridge, row: Mapping[str, Any]) -> bool:
    """Whether an earlier attempt reached the conversation after all (its tagged event is there)."""
    return any(e.get("event") == "bot" and (e.get("metadata") or {}).get("outbox_id") == row["id"]
               for e in bridge.events(row["recipient"]))


def _claim(ctx: Context, mid: int) -> Optional[Dict[str, Any]]:
    """Take one due chat message for this dispatcher: an atomic update that only one dispatcher can win."""
    now = ctx.now()
    o = t.outbox
    with ctx.db.write() as conn:
        row = conn.execute(sa.select(o).where(o.c.id == mid)).mappings().first()
        if row is None or row["status"] not in ("queued", "sending") or \
                (row["next_attempt_at"] is not None and row["next_attempt_at"] > now):
            return None
        lease = o.c.next_attempt_at.is_(None) if row["next_attempt_at"] is None else \
            o.c.next_attempt_at == row["next_attempt_at"]
        won = conn.execute(o.update().where(o.c.id == mid, o.c.status == row["status"],
                                            o.c.attempts == row["attempts"], lease)
                           .values(status="sending", attempts=row["attempts"] + 1,
                                   next_attempt_at=now + CHAT_LEASE)).rowcount
        return {**row, "attempts": row["attempts"] + 1} if won == 1 else None


def dispatch_chat(ctx: Context, bridge: Optional[ConversationBridge] = None, limit: int = 100) -> Dict[str, int]:
    """Send the due chat messages, oldest first, through Rasa; return how many were sent, will be retried,
    and failed for good."""
    bridge = bridge if bridge is not None else ctx.bridge
    o = t.outbox
    now = ctx.now()
    with ctx.db.read() as conn:
        ids = conn.execute(sa.select(o.c.id).where(
            o.c.channel == "chat", o.c.status.in_(("queued", "sending")),
            sa.or_(o.c.next_attempt_at.is_(None), o.c.next_attempt_at <= now))
            .order_by(o.c.id).limit(limit)).scalars().all()
    out = {"sent": 0, "retry": 0, "failed": 0}
    for mid in ids:
        row = _claim(ctx, mid)
        if row is None:  # another dispatcher took it, or it is not due any more
            continue
        try:
            # a message tried before may have arrived although the attempt was reported as failed
            if not (row["attempts"] > 1 and _delivered_before(bridge, row)):
                bridge.append(row["recipient"], chat_events(row))
        except Exception as exc:  # noqa: BLE001 - any delivery failure keeps the message for a retry
            final = row["attempts"] >= ctx.settings.outbox_max_attempts
            error = mask_text(f"{type(exc).__name__}: {getattr(exc, 'detail', '') or exc}")[:200]
            with ctx.db.write() as conn:
                conn.execute(o.update().where(o.c.id == mid, o.c.status == "sending").values(
                    status="failed" if final else "queued", error=error,
                    next_attempt_at=None if final else ctx.now() + retry_delay(ctx, row["attempts"])))
            log.warning("chat message %s to a conversation not delivered (attempt %s%s): %s", mid, row["attempts"],
                        ", given up" if final else "", error)
            out["failed" if final else "retry"] += 1
            continue
        with ctx.db.write() as conn:
            conn.execute(o.update().where(o.c.id == mid, o.c.status == "sending").values(
                status="sent", sent_at=ctx.now(), next_attempt_at=None, error=None))
        out["sent"] += 1
    return out


def dispatch(ctx: Context, sender: SmsSender, limit: int = 100) -> Dict[str, int]:
    """Send queued SMS in order; a failure is counted and retried later, never lost or sent twice."""
    sent = failed = 0
    with ctx.db.read() as conn:
        ids = conn.execute(sa.select(t.outbox.c.id).where(t.outbox.c.status == "queued", t.outbox.c.channel == "sms")
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
