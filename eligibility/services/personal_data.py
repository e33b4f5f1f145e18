"""A person's own data (个人信息保护法): what is kept about them, its deletion, and retention.

Deletion removes what the assistant collected (declared facts, subscriptions, bindings, transcripts and
contacts in tickets, rating remarks, codes, logged questions, reminders not sent yet); it keeps the records
the administration must keep by law (applications, grants and their notices, the audit log) and the shared
data the data account receives from other departments, and says so."""

from __future__ import annotations

import datetime as dt
from typing import Any, Dict, List

import sqlalchemy as sa

from eligibility.auth.principal import Principal
from eligibility.context import Context
from eligibility.services import applications, audit, bundles, grants
from eligibility.services.profiles import display_id, get_profile, profile_view
from eligibility.storage import tables as t
from privacy.masking import mask_text

KEPT_REASON = ("申请、资金发放记录和审计日志属于政务办理档案，依法需要保存；数据账户中由各部门共享的登记、纳税、社保等信息"
               "由来源部门管理，不在此删除。")
REDACTED = "（已按个人信息删除请求清除）"
EXPIRED = "（已超过保存期限，对话内容已清除）"


def _conversations(conn: sa.engine.Connection, subject_id: str) -> List[str]:
    return list(conn.execute(sa.select(t.bindings.c.conversation_id).where(t.bindings.c.subject_id == subject_id)
                             .distinct()).scalars())


def _theirs(table: sa.Table, subject_id: str, conversations: List[str]) -> Any:
    """The subject's rows, and rows without a subject made in a conversation once bound to it; never another
    subject's rows (a conversation can be bound to one person, then to another)."""
    return sa.or_(table.c.profile_id == subject_id,
                  sa.and_(table.c.profile_id.is_(None), table.c.conversation_id.in_(conversations)))


def export(ctx: Context, subject_id: str) -> Dict[str, Any]:
    cat = ctx.policies.catalogue
    with ctx.db.read() as conn:
        profile = get_profile(conn, subject_id, cat)
        mobile = conn.execute(sa.select(t.profiles.c.mobile).where(t.profiles.c.id == subject_id)).scalar()
        conversations = _conversations(conn, subject_id)
        subs = conn.execute(sa.select(t.subscriptions).where(
            _theirs(t.subscriptions, subject_id, conversations))).mappings().all()
        tickets = conn.execute(sa.select(t.tickets.c.id, t.tickets.c.kind, t.tickets.c.status, t.tickets.c.created_at)
                               .where(_theirs(t.tickets, subject_id, conversations))).mappings().all()
        ratings = conn.execute(sa.select(t.ratings.c.level, t.ratings.c.created_at).where(
            t.ratings.c.profile_id == subject_id)).mappings().all()
        questions = conn.execute(sa.select(t.question_log.c.text, t.question_log.c.outcome, t.question_log.c.at)
                                 .where(_theirs(t.question_log, subject_id, conversations))
                                 .order_by(t.question_log.c.at, t.question_log.c.id)).mappings().all()
        binds = conn.execute(sa.select(t.bindings).where(t.bindings.c.subject_id == subject_id)
                             .order_by(t.bindings.c.id)).mappings().all()
    view = profile_view(profile, cat, ctx.today())
    return {
        "subject": {"id": display_id(subject_id), "kind": profile.kind, "name": view["name"],
                    "mobile": mask_text(mobile) if mobile else None},
        "data_account": view["fields"],
        "applications": [{"id": a["id"], "policy_title": a["policy_title"], "status_label": a["status_label"],
                          "created_at": a["created_at"]} for a in applications.for_profile(ctx, subject_id)],
        "notifications": grants.notifications(ctx, subject_id),
        "bundle_submissions": [{"id": b["id"], "title": b["title"], "summary": b["summary"]}
                               for b in bundles.for_profile(ctx, subject_id)],
        "subscriptions": [{"id": s["id"], "topic": s["topic"], "created_at": s["created_at"].isoformat(timespec="seconds")}
                          for s in subs],
        "tickets": [{"id": r["id"], "kind": r["kind"], "status": r["status"],
                     "created_at": r["created_at"].isoformat(timespec="seconds")} for r in tickets],
        "ratings": [{"level": r["level"], "created_at": r["created_at"].isoformat(timespec="seconds")} for r in ratings],
        # questions the assistant answered poorly, kept to improve its knowledge (stored masked)
        "questions": [{"text": mask_text(q["text"]), "outcome": q["outcome"],
                       "at": q["at"].isoformat(timespec="seconds")} for q in questions],
        "logins": [{"channel": b["channel"], "method": b["method"], "at": b["created_at"].isoformat(timespec="seconds"),
                    "ended_at": b["revoked_at"].isoformat(timespec="seconds") if b["revoked_at"] else None} for b in binds],
        "access_log": audit.entries(ctx, subject_id=subject_id, limit=200),
        "retention": {"transcripts_days": ctx.settings.transcript_retention_days},
    }


def delete(ctx: Context, subject_id: str, actor: Principal) -> Dict[str, Any]:
    """Remove what the assistant collected about the subject; idempotent; one transaction."""
    now = ctx.now()
    with ctx.db.write() as conn:
        conversations = _conversations(conn, subject_id)
        in_tickets = _theirs(t.tickets, subject_id, conversations)
        done = {
            "declared_fields": conn.execute(t.declared_fields.delete().where(
                t.declared_fields.c.profile_id == subject_id)).rowcount,
            "subscriptions": conn.execute(t.subscriptions.delete().where(
                _theirs(t.subscriptions, subject_id, conversations))).rowcount,
            # every ticket of theirs: a callback ticket has no transcript, but its summary quotes the rating's remark
            "ticket_transcripts": conn.execute(t.tickets.update().where(in_tickets, t.tickets.c.summary != REDACTED)
                                               .values(transcript_json="[]", contact=None, summary=REDACTED,
                                                       updated_at=now)).rowcount,
            "rating_remarks": conn.execute(t.ratings.update().where(t.ratings.c.profile_id == subject_id,
                                                                    t.ratings.c.reason.is_not(None))
                                           .values(reason=None)).rowcount,
            "one_time_codes": conn.execute(t.otp_challenges.delete().where(
                t.otp_challenges.c.subject_id == subject_id)).rowcount,
            "questions": conn.execute(t.question_log.delete().where(
                _theirs(t.question_log, subject_id, conversations))).rowcount,
            # reminders not sent yet: their subscriptions are gone
            "queued_reminders": conn.execute(t.outbox.delete().where(
                t.outbox.c.channel == "chat", t.outbox.c.purpose == "reminder", t.outbox.c.status == "queued",
                sa.or_(t.outbox.c.subject_id == subject_id,
                       sa.and_(t.outbox.c.subject_id.is_(None), t.outbox.c.recipient.in_(conversations))))).rowcount,
            "logins": conn.execute(t.bindings.update().where(t.bindings.c.subject_id == subject_id,
                                                             t.bindings.c.active_key.is_not(None))
                                   .values(active_key=None, revoked_at=now)).rowcount,
        }
        conn.execute(t.outbox.update().where(t.outbox.c.subject_id == subject_id, t.outbox.c.purpose == "otp")
                     .values(body=REDACTED))
        kept = {
            "applications": int(conn.execute(sa.select(sa.func.count()).select_from(t.applications)
                                             .where(t.applications.c.profile_id == subject_id)).scalar() or 0),
            "grants": int(conn.execute(sa.select(sa.func.count()).select_from(t.grants)
                                       .where(t.grants.c.profile_id == subject_id)).scalar() or 0),
        }
        audit.record(conn, ctx, actor, "personal_data.delete", "subject", display_id(subject_id),
                     subject_id=subject_id, after={"deleted": done, "kept": kept})
    return {"deleted": {k: int(v or 0) for k, v in done.items()}, "kept": kept, "kept_reason": KEPT_REASON}


def forget_conversation(ctx: Context, conversation_id: str, actor: Principal) -> Dict[str, int]:
    """What a conversation left without anyone bound (subscriptions, ticket transcripts and contacts, rating
    remarks, codes, login links): removed when its user leaves the channel (WeChat unsubscribe). Records of a
    verified subject are the subject's, and go through ``delete``."""
    now = ctx.now()
    with ctx.db.write() as conn:
        mine = t.tickets.c.conversation_id == conversation_id
        done = {
            "subscriptions": conn.execute(t.subscriptions.delete().where(
                t.subscriptions.c.conversation_id == conversation_id, t.subscriptions.c.profile_id.is_(None))).rowcount,
            "ticket_transcripts": conn.execute(t.tickets.update().where(mine, t.tickets.c.profile_id.is_(None))
                                               .values(transcript_json="[]", contact=None, summary=REDACTED,
                                                       updated_at=now)).rowcount,
            "rating_remarks": conn.execute(t.ratings.update().where(
                t.ratings.c.conversation_id == conversation_id, t.ratings.c.profile_id.is_(None),
                t.ratings.c.reason.is_not(None)).values(reason=None)).rowcount,
            "one_time_codes": conn.execute(t.otp_challenges.delete().where(
                t.otp_challenges.c.conversation_id == conversation_id)).rowcount,
            "login_links": conn.execute(t.login_sessions.delete().where(
                t.login_sessions.c.conversation_id == conversation_id)).rowcount,
            "questions": conn.execute(t.question_log.delete().where(
                t.question_log.c.conversation_id == conversation_id, t.question_log.c.profile_id.is_(None))).rowcount,
            # messages not sent yet to a conversation its user has left
            "queued_messages": conn.execute(t.outbox.delete().where(
                t.outbox.c.channel == "chat", t.outbox.c.recipient == conversation_id,
                t.outbox.c.status == "queued")).rowcount,
        }
        done = {k: int(v or 0) for k, v in done.items()}
        audit.record(conn, ctx, actor, "conversation.forget", "conversation", conversation_id, after=done)
    return done


def purge(ctx: Context) -> Dict[str, int]:
    """Retention: transcripts, contacts and logged questions older than ``transcript_retention_days``; codes,
    login sessions and code messages after a day. Runs at start-up and from ``policybot eligibility purge``."""
    now = ctx.now()
    old = now - dt.timedelta(days=ctx.settings.transcript_retention_days)
    day = now - dt.timedelta(days=1)
    with ctx.db.write() as conn:
        out = {
            "ticket_transcripts": conn.execute(t.tickets.update().where(
                t.tickets.c.created_at < old, t.tickets.c.transcript_json != "[]")
                .values(transcript_json="[]", contact=None, summary=EXPIRED)).rowcount,
            "rating_remarks": conn.execute(t.ratings.update().where(t.ratings.c.created_at < old,
                                                                    t.ratings.c.reason.is_not(None))
                                           .values(reason=None)).rowcount,
            "one_time_codes": conn.execute(t.otp_challenges.delete().where(t.otp_challenges.c.created_at < day)).rowcount,
            "questions": conn.execute(t.question_log.delete().where(t.question_log.c.at < old)).rowcount,
            "login_sessions": conn.execute(t.login_sessions.delete().where(t.login_sessions.c.created_at < day)).rowcount,
            "code_messages": conn.execute(t.outbox.update().where(
                t.outbox.c.purpose == "otp", t.outbox.c.created_at < day, t.outbox.c.body != REDACTED)
                .values(body=REDACTED)).rowcount,
        }
        out = {k: int(v or 0) for k, v in out.items()}
        if any(out.values()):
            audit.record(conn, ctx, "system", "retention.purge", "database", None, after=out,
                         reason=f"older than {ctx.settings.transcript_retention_days} days")
    return out
