"""好差评 and tickets: five-level ratings, callback tickets for bad ones, handoff (转人工) tickets."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from typing import Any, Dict, List, Optional

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from eligibility.context import Context
from eligibility.errors import AppError, invalid, not_found
from eligibility.ratings import BAD, LEVELS
from eligibility.services import audit
from eligibility.services.profiles import checked_id, display_id
from eligibility.services.working_time import add_working_days
from eligibility.storage import tables as t
from privacy.masking import mask_text

FLOWS = {
    "callback": {"待回访": ("整改中",), "整改中": ("已办结",), "已办结": ()},
    "complaint": {"待回访": ("整改中", "已办结"), "整改中": ("已办结",), "已办结": ()},
    "handoff": {"待处理": ("处理中", "已办结"), "处理中": ("已办结",), "已办结": ()},
    "workorder": {"待处理": ("处理中", "已办结"), "处理中": ("已办结",), "已办结": ()},
}
FIRST = {"callback": "待回访", "complaint": "待回访", "handoff": "待处理", "workorder": "待处理"}
KIND_LABEL = {"callback": "差评回访", "complaint": "投诉", "handoff": "转人工", "workorder": "工单"}
WORKORDER_WORKING_DAYS = 5  # a hotline work order (工单) registered after a call is followed up within five working days
# what a work order records, in the order its summary says it
WORKORDER_FIELDS = (("caller", "来电人"), ("question", "诉求"), ("policy", "涉及政策"), ("outcome", "处理结果"),
                    ("next_step", "下一步"))
CALLBACK_WORKING_DAYS = 5  # a bad rating or a complaint is called back within five working days


def transcript_json(messages: List[Dict[str, Any]]) -> str:
    """Transcripts are stored masked: ID numbers, phones and accounts never reach the table."""
    return json.dumps([{**m, "text": mask_text(m.get("text") or "")} for m in messages], ensure_ascii=False)


def _ticket_id(now: dt.datetime) -> str:
    return f"GD{now:%Y%m%d}{uuid.uuid4().hex[:8].upper()}"


def insert_ticket(conn: Connection, ctx: Context, kind: str, summary: str, *, rating_id: Optional[int] = None,
                  conversation_id: Optional[str] = None, application_id: Optional[str] = None,
                  profile_id: Optional[str] = None, contact: Optional[str] = None,
                  transcript: Optional[List[Dict[str, Any]]] = None, due: Optional[dt.date] = None,
                  channel: Optional[str] = None, live: bool = False, actor: str = "system") -> str:
    now = ctx.now()
    tid = _ticket_id(now)
    conn.execute(t.tickets.insert().values(
        id=tid, kind=kind, status=FIRST[kind], due_date=due, rating_id=rating_id, conversation_id=conversation_id,
        application_id=application_id, profile_id=profile_id, summary=mask_text(summary), contact=contact,
        transcript_json=transcript_json(transcript or []), created_at=now, updated_at=now, channel=channel,
        live=live))
    conn.execute(t.ticket_events.insert().values(ticket_id=tid, status=FIRST[kind], note="工单已创建", actor=actor, at=now))
    return tid


def rate(ctx: Context, level: str, reason: Optional[str], conversation_id: Optional[str],
         application_id: Optional[str], profile_id: Optional[str]) -> Dict[str, Any]:
    if level not in LEVELS:
        raise invalid("invalid_level", "评价等级应为：" + "、".join(LEVELS) + "之一。", f"level must be one of {LEVELS}")
    if not conversation_id and not application_id:
        raise invalid("rating_target_missing", "请说明评价针对的是哪一次对话或哪一笔申请。",
                      "a rating needs conversation_id or application_id")
    pid = checked_id(profile_id) if profile_id else None
    with ctx.db.write() as conn:
        if application_id:
            row = conn.execute(sa.select(t.applications.c.profile_id).where(t.applications.c.id == application_id)).first()
            if row is None:
                raise not_found("申请", application_id, "application_not_found")
            pid = pid or row.profile_id
        now = ctx.now()
        reason = mask_text(reason) if reason else reason
        same = _repeated_rating(conn, level, reason, conversation_id, application_id, now)
        if same is not None:  # a double click or a client's retry: the rating it already made, not a second
            return _rating_out(conn, same, level)
        res = conn.execute(t.ratings.insert().values(level=level, reason=reason, conversation_id=conversation_id,
                                                     application_id=application_id, profile_id=pid, created_at=now))
        rating_id = int(res.inserted_primary_key[0])
        ticket = None
        if level in BAD:
            due = add_working_days(ctx.today(), CALLBACK_WORKING_DAYS)
            summary = f"收到“{level}”评价，需在{CALLBACK_WORKING_DAYS}个工作日内回访并整改。" + (f"原因：{reason}" if reason else "")
            ticket = insert_ticket(conn, ctx, "callback", summary, rating_id=rating_id, conversation_id=conversation_id,
                                    application_id=application_id, profile_id=pid, due=due)
            conn.execute(t.ratings.update().where(t.ratings.c.id == rating_id).values(ticket_id=ticket))
        return _rating_out(conn, {"id": rating_id, "ticket_id": ticket}, level)


REPEAT_WINDOW = dt.timedelta(seconds=60)  # the same rating of the same thing again within this: the same rating


def _repeated_rating(conn: Connection, level: str, reason: Optional[str], conversation_id: Optional[str],
                     application_id: Optional[str], now: dt.datetime) -> Optional[Dict[str, Any]]:
    r = t.ratings.c
    row = conn.execute(
        sa.select(r.id, r.ticket_id)
        .where(r.level == level, r.created_at >= now - REPEAT_WINDOW,
               r.conversation_id == conversation_id if conversation_id else r.conversation_id.is_(None),
               r.application_id == application_id if application_id else r.application_id.is_(None),
               r.reason == reason if reason else r.reason.is_(None))
        .order_by(r.id.desc()).limit(1)).mappings().first()
    return dict(row) if row is not None else None


def _rating_out(conn: Connection, rating: Dict[str, Any], level: str) -> Dict[str, Any]:
    ticket = rating["ticket_id"]
    out: Dict[str, Any] = {"id": int(rating["id"]), "level": level, "ticket_id": ticket,
                           "message": "感谢您的评价！" if ticket is None else
                           "非常抱歉给您带来不好的体验，我们已生成回访工单，工作人员会在5个工作日内与您联系。"}
    if ticket:
        out["ticket"] = view(conn, ticket)
    return out


def complaint(ctx: Context, conversation_id: str, transcript: List[Dict[str, Any]], summary: Optional[str],
              profile_id: Optional[str], contact: Optional[str], actor: str = "system") -> Dict[str, Any]:
    """A complaint, called back within five working days (a 转人工 ticket is ``handoffs.open_handoff``)."""
    pid = checked_id(profile_id) if profile_id else None
    text = summary or next((m["text"] for m in reversed(transcript) if m.get("role") == "user"), "用户投诉")
    with ctx.db.write() as conn:
        tid = insert_ticket(conn, ctx, "complaint", text, conversation_id=conversation_id, profile_id=pid,
                            contact=contact, transcript=transcript,
                            due=add_working_days(ctx.today(), CALLBACK_WORKING_DAYS))
        audit.record(conn, ctx, actor, "ticket.create", "ticket", tid, subject_id=pid, after={"kind": "complaint"})
        return view(conn, tid)


def work_order(ctx: Context, record: Dict[str, Optional[str]], actor: str, *, source_ticket: Optional[str] = None,
               conversation_id: Optional[str] = None, contact: Optional[str] = None) -> Dict[str, Any]:
    """A 工单 an operator registers after a call: caller, question, policy, outcome and next step (``record``,
    keys of WORKORDER_FIELDS) in its summary, stored masked; due in WORKORDER_WORKING_DAYS working days.
    Drawn from a ticket (a handoff, a callback), it takes that ticket's conversation, subject, transcript and
    contact, and that ticket's history notes the new work order."""
    summary = "；".join(f"{label}：{record[key]}" for key, label in WORKORDER_FIELDS if record.get(key)) + "。"
    with ctx.db.write() as conn:
        src = None
        if source_ticket is not None:
            src = conn.execute(sa.select(t.tickets).where(t.tickets.c.id == source_ticket)).mappings().first()
            if src is None:
                raise not_found("工单", source_ticket, "ticket_not_found")
        pid = src["profile_id"] if src else None
        tid = insert_ticket(conn, ctx, "workorder", summary, actor=actor, profile_id=pid,
                            conversation_id=(src["conversation_id"] if src else None) or conversation_id,
                            contact=contact or (src["contact"] if src else None),
                            transcript=json.loads(src["transcript_json"] or "[]") if src else None,
                            due=add_working_days(ctx.today(), WORKORDER_WORKING_DAYS))
        if src is not None:
            conn.execute(t.ticket_events.insert().values(ticket_id=src["id"], status=src["status"],
                                                         note=f"已登记工单{tid}", actor=actor, at=ctx.now()))
        audit.record(conn, ctx, actor, "ticket.create", "ticket", tid, subject_id=pid,
                     after={"kind": "workorder", "from": source_ticket})
        return view(conn, tid)


def view(conn: Connection, tid: str) -> Dict[str, Any]:
    row = conn.execute(sa.select(t.tickets).where(t.tickets.c.id == tid)).mappings().first()
    if row is None:
        raise not_found("工单", tid, "ticket_not_found")
    events = conn.execute(sa.select(t.ticket_events).where(t.ticket_events.c.ticket_id == tid)
                          .order_by(t.ticket_events.c.id)).mappings().all()
    transcript = json.loads(row["transcript_json"])
    for m in transcript:
        if isinstance(m.get("text"), str):
            m["text"] = mask_text(m["text"])
    return {
        "id": row["id"], "kind": row["kind"], "kind_label": KIND_LABEL.get(row["kind"], row["kind"]),
        "status": row["status"], "due_date": row["due_date"].isoformat() if row["due_date"] else None,
        "summary": mask_text(row["summary"]), "conversation_id": row["conversation_id"],
        "application_id": row["application_id"],
        "profile_id": display_id(row["profile_id"]) if row["profile_id"] else None,
        "contact": mask_text(row["contact"]) if row["contact"] else None,
        "assignee": row["assignee"], "transcript": transcript, "channel": row["channel"], "live": bool(row["live"]),
        "history": [{"status": e["status"], "note": mask_text(e["note"] or ""), "actor": e["actor"],
                     "at": e["at"].isoformat(timespec="seconds")} for e in events],
        "created_at": row["created_at"].isoformat(timespec="seconds"),
    }


def conversation_of(ctx: Context, tid: str) -> Optional[str]:
    with ctx.db.read() as conn:
        return conn.execute(sa.select(t.tickets.c.conversation_id).where(t.tickets.c.id == tid)).scalar()


def get(ctx: Context, tid: str) -> Dict[str, Any]:
    with ctx.db.read() as conn:
        return view(conn, tid)


def list_tickets(ctx: Context, status: Optional[str], kind: Optional[str], overdue: bool, limit: int,
                 offset: int) -> Dict[str, Any]:
    q = sa.select(t.tickets.c.id)
    if status:
        q = q.where(t.tickets.c.status == status)
    if kind:
        q = q.where(t.tickets.c.kind == kind)
    if overdue:
        q = q.where(t.tickets.c.due_date < ctx.today(), t.tickets.c.status != "已办结")
    with ctx.db.read() as conn:
        total = conn.execute(sa.select(sa.func.count()).select_from(q.subquery())).scalar()
        ids = conn.execute(q.order_by(t.tickets.c.created_at.desc(), t.tickets.c.id).limit(limit).offset(offset)).scalars()
        return {"total": total, "tickets": [view(conn, i) for i in ids]}


def update(ctx: Context, tid: str, status: Optional[str], note: Optional[str], assignee: Optional[str],
           actor: str) -> Dict[str, Any]:
    with ctx.db.write() as conn:
        row = conn.execute(sa.select(t.tickets).where(t.tickets.c.id == tid)).mappings().first()
        if row is None:
            raise not_found("工单", tid, "ticket_not_found")
        flow = FLOWS[row["kind"]]
        if status is not None and status != row["status"]:
            if status not in flow[row["status"]]:
                allowed = "、".join(flow[row["status"]]) or "无（工单已办结）"
                raise AppError(409, "invalid_transition",
                               f"工单当前状态为“{row['status']}”，只能变更为：{allowed}。",
                               f"cannot move a {row['kind']} ticket from {row['status']} to {status}")
            if status == "已办结" and not note:
                raise invalid("note_required", "办结工单时请填写办理情况说明。", "closing a ticket needs a note")
        if status is None and not note and assignee is None:
            raise invalid("empty_update", "请至少提供状态、备注或经办人之一。", "nothing to update")
        now = ctx.now()
        values: Dict[str, Any] = {"updated_at": now}
        if status:
            values["status"] = status
        if assignee is not None:
            values["assignee"] = assignee
        conn.execute(t.tickets.update().where(t.tickets.c.id == tid).values(**values))
        conn.execute(t.ticket_events.insert().values(ticket_id=tid, status=status or row["status"],
                                                     note=mask_text(note) if note else None, actor=actor, at=now))
        audit.record(conn, ctx, actor, "ticket.update", "ticket", tid, subject_id=row["profile_id"],
                     before={"status": row["status"], "assignee": row["assignee"]},
                     after={"status": status or row["status"], "assignee": assignee if assignee is not None
                            else row["assignee"]}, reason=note)
        return view(conn, tid)
