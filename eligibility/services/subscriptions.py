"""Subscriptions to application-window reminders: per conversation, to a category, a policy, or all.

A topic is ``all`` (aliases 全部, 全部政策, 所有政策), a category of the corpus (人才, 科技创新…) or a
policy id (ENT-011). Subscribing twice to the same topic from the same conversation returns the existing
subscription (a unique constraint keeps it one row under concurrent requests). ``due`` lists the
policies of the topic whose known application window opens or closes within the next N days.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any, Dict, List, Mapping, Optional, Tuple

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from eligibility.context import Context
from eligibility.errors import AppError, not_found
from eligibility.rules.policies import Policy, PolicySet
from eligibility.services.profiles import checked_id, display_id
from eligibility.storage import tables as t
from knowledge.dates import parse_date, say_date

ALL = "all"
ALL_ALIASES = {"all", "全部", "全部政策", "所有政策", "所有", "全部类别"}


def categories(ps: PolicySet) -> List[str]:
    return sorted({p.doc.category for p in ps.policies.values() if p.doc.category})


def resolve_topic(ps: PolicySet, raw: str) -> Tuple[str, str]:
    """(topic, kind) for what the user asked to follow, or a 422 ``unknown_topic``."""
    text = raw.strip()
    if text.lower() in ALL_ALIASES:
        return ALL, "all"
    if ps.get(text.upper()) is not None:
        return text.upper(), "policy"
    if text in categories(ps):
        return text, "category"
    raise AppError(422, "unknown_topic",
                   f"暂时没有“{text[:40]}”这一类政策可以订阅，请换一个政策类别（如人才、科技创新）或政策编号，"
                   "也可以订阅全部政策。",
                   f"unknown topic {text[:40]!r}: give a category, a policy id or 'all'",
                   {"categories": categories(ps)})


def covered(ps: PolicySet, topic: str, kind: str) -> List[Policy]:
    """The policies a topic covers now (a policy removed from the corpus covers nothing)."""
    if kind == "all":
        return list(ps.policies.values())
    if kind == "policy":
        policy = ps.get(topic)
        return [policy] if policy is not None else []
    return [p for p in ps.policies.values() if p.doc.category == topic]


def _label(ps: PolicySet, topic: str, kind: str) -> str:
    if kind == "all":
        return "全部政策"
    if kind == "category":
        return f"「{topic}」类政策"
    policy = ps.get(topic)
    return f"「{(policy.doc.short_title or policy.doc.title) if policy else topic}」"


def _view(row: Mapping[str, Any], ps: PolicySet, existing: Optional[bool] = None) -> Dict[str, Any]:
    out = {"id": row["id"], "conversation_id": row["conversation_id"], "topic": row["topic"],
           "topic_kind": row["topic_kind"], "label": _label(ps, row["topic"], row["topic_kind"]),
           "policies": len(covered(ps, row["topic"], row["topic_kind"])),
           "profile_id": display_id(row["profile_id"]) if row["profile_id"] else None,
           "created_at": row["created_at"].isoformat(timespec="seconds")}
    if existing is not None:
        out["existing"] = existing
    return out


def _find(conn: Connection, conversation_id: str, topic: str) -> Optional[Mapping[str, Any]]:
    return conn.execute(sa.select(t.subscriptions).where(t.subscriptions.c.conversation_id == conversation_id,
                                                         t.subscriptions.c.topic == topic)).mappings().first()


def _get(conn: Connection, sub_id: str) -> Mapping[str, Any]:
    row = conn.execute(sa.select(t.subscriptions).where(t.subscriptions.c.id == sub_id)).mappings().first()
    if row is None:
        raise not_found("订阅", sub_id, "subscription_not_found")
    return row


def subscribe(ctx: Context, conversation_id: str, raw_topic: str,
              raw_profile_id: Optional[str]) -> Tuple[Dict[str, Any], bool]:
    """Create the subscription, or return the existing one; returns (subscription, created)."""
    ps = ctx.policies
    topic, kind = resolve_topic(ps, raw_topic)
    profile_id = checked_id(raw_profile_id) if raw_profile_id else None
    try:
        with ctx.db.write() as conn:
            found = _find(conn, conversation_id, topic)
            if found is not None:
                return _view(found, ps, existing=True), False
            now = ctx.now()
            sub_id = f"DY{now:%Y%m%d}{uuid.uuid4().hex[:10].upper()}"
            conn.execute(t.subscriptions.insert().values(id=sub_id, conversation_id=conversation_id, topic=topic,
                                                         topic_kind=kind, profile_id=profile_id, created_at=now))
            return _view(_get(conn, sub_id), ps, existing=False), True
    except IntegrityError:
        # a concurrent request for the same conversation and topic won the race
        with ctx.db.read() as conn:
            found = _find(conn, conversation_id, topic)
        if found is None:
            raise
        return _view(found, ps, existing=True), False


def for_conversation(ctx: Context, conversation_id: str) -> List[Dict[str, Any]]:
    with ctx.db.read() as conn:
        rows = conn.execute(sa.select(t.subscriptions).where(t.subscriptions.c.conversation_id == conversation_id)
                            .order_by(t.subscriptions.c.created_at, t.subscriptions.c.id)).mappings().all()
    return [_view(r, ctx.policies) for r in rows]


def owner(ctx: Context, sub_id: str) -> Optional[Tuple[str, Optional[str]]]:
    """(conversation id, profile id) of a subscription, or None."""
    with ctx.db.read() as conn:
        row = conn.execute(sa.select(t.subscriptions.c.conversation_id, t.subscriptions.c.profile_id)
                           .where(t.subscriptions.c.id == sub_id)).first()
    return (row.conversation_id, row.profile_id) if row else None


def unsubscribe(ctx: Context, sub_id: str) -> None:
    with ctx.db.write() as conn:
        _get(conn, sub_id)
        conn.execute(t.subscriptions.delete().where(t.subscriptions.c.id == sub_id))


def reminders(policies: List[Policy], today: dt.date, days: int) -> List[Dict[str, Any]]:
    """Each known window of these policies that opens or closes in [today, today + days], by date."""
    limit = today + dt.timedelta(days=days)
    out: List[Dict[str, Any]] = []
    for policy in policies:
        for w in policy.windows(today):
            for event, day in (("opens", w.start), ("closes", w.end)):
                if day is not None and today <= day <= limit:
                    out.append({"policy_id": policy.id, "title": policy.doc.title, "category": policy.doc.category,
                                "handling": policy.handling, "event": event, "date": day.isoformat(),
                                "days_until": (day - today).days, "window": w.describe()})
    out.sort(key=lambda r: (r["date"], r["policy_id"], r["event"] != "opens"))
    return out


REMIND_DAYS = 7  # a window opening or closing within a week is reminded


def chat_reminder(r: Dict[str, Any], ps: PolicySet, today: dt.date) -> str:
    """A reminder as the assistant says it in the conversation: the policy, the date, what to do."""
    policy = ps.get(r["policy_id"])
    name = (policy.doc.short_title or policy.doc.title) if policy else r["title"]
    day = parse_date(r["date"]) or today + dt.timedelta(days=r["days_until"])
    when = "今天" if r["days_until"] == 0 else f"{say_date(day, today)}（还有{r['days_until']}天）"
    if r["handling"] == "免申即享":
        act = "该政策免申即享，符合条件的无需申请，系统比对后会通知您。"
    else:
        act = "需要办理可以点“一键申报”，想先看看要准备什么，可以回复“需要什么材料”。"
    if r["event"] == "opens":
        return f"您好，您订阅的“{name}”{when}开始申报。{act}"
    return f"您好，提醒您：“{name}”的申报{when}截止，请留意时间。{act}"


def send_reminders(ctx: Context, days: int = REMIND_DAYS) -> Dict[str, int]:
    """The reminder job: for every subscription, a message to its conversation per window that opens or
    closes within ``days`` (once per conversation and event, however many of its subscriptions cover the
    policy) and, when the subscriber is verified (a profile, or the subject its conversation was bound to),
    an SMS as well — each once per event, however often the job runs."""
    from eligibility.services import outbox

    ps, today = ctx.policies, ctx.today()
    queued = chat = 0
    with ctx.db.read() as conn:
        subs = conn.execute(sa.select(t.subscriptions).order_by(t.subscriptions.c.created_at,
                                                                t.subscriptions.c.id)).mappings().all()
        bound = dict(conn.execute(sa.select(t.bindings.c.conversation_id, t.bindings.c.subject_id)
                                  .order_by(t.bindings.c.id)).all())
    unverified = 0
    for sub in subs:
        subject = sub["profile_id"] or bound.get(sub["conversation_id"])
        unverified += not subject
        for r in reminders(covered(ps, sub["topic"], sub["topic_kind"]), today, days):
            event = f"{r['policy_id']}:{r['event']}:{r['date']}"
            with ctx.db.write() as conn:
                if outbox.queue_chat(conn, ctx, sub["conversation_id"], chat_reminder(r, ps, today), "reminder",
                                     subject_id=subject, policy_id=r["policy_id"],
                                     dedupe_key=f"chat:reminder:{sub['conversation_id']}:{event}") is not None:
                    chat += 1
            if not subject:
                continue
            words = "开始申报" if r["event"] == "opens" else "申报截止"
            body = f"【政策通】您订阅的“{r['title']}”将于{r['date']}{words}（还有{r['days_until']}天），详情请问政策通。"
            key = f"reminder:{sub['id']}:{event}"
            try:
                with ctx.db.write() as conn:
                    if outbox.queue_to_subject(conn, ctx, subject, body, "reminder", dedupe_key=key) is not None:
                        queued += 1
            except IntegrityError:  # reminded already
                continue
    return {"queued": queued, "chat_queued": chat, "unverified_subscriptions": unverified}


def due(ctx: Context, sub_id: str, days: int) -> Dict[str, Any]:
    ps = ctx.policies
    with ctx.db.read() as conn:
        row = _get(conn, sub_id)
    today = ctx.today()
    return {"subscription": _view(row, ps), "date": today.isoformat(), "within_days": days,
            "reminders": reminders(covered(ps, row["topic"], row["topic_kind"]), today, days)}
