"""Live handoff (转人工): the queue, one operator per conversation, replies into the user's channel, hand back.

While staffed (``working_time``), a handoff is *live*: the bot's action pauses the Rasa conversation and
the ticket waits in the console's queue; an operator takes it (an atomic update: two operators never
take the same conversation), writes to the user through Rasa (``ctx.bridge``), and hands back, which
resumes the bot. Outside staffed hours the ticket is due the next working day, the user is told when a
person will answer, and the bot keeps serving; an operator's later reply reaches the same conversation."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any, Dict, List, Optional

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from eligibility.clients.rasa import bot_event
from eligibility.context import Context
from eligibility.errors import AppError, not_found
from eligibility.ratings import buttons as rating_buttons
from eligibility.services import audit, staff
from eligibility.services.feedback import insert_ticket, transcript_json, view
from eligibility.services.profiles import checked_id, display_id
from eligibility.services.working_time import (
    describe_spans,
    is_staffed,
    next_staffed,
    parse_spans,
    say_when,
)
from eligibility.storage import tables as t
from privacy.masking import mask_text

OPEN = ("待处理", "处理中")
SCOPES = ("waiting", "mine", "open", "closed")
HANDED_BACK = "本次人工服务已结束，感谢您的耐心。接下来由智能助手继续为您服务，您也可以为刚才的人工服务打个分："


def _spans(ctx: Context) -> Any:
    return parse_spans(ctx.settings.staffed_hours)


def staffed_now(ctx: Context) -> bool:
    return is_staffed(ctx.local_now(), _spans(ctx), ctx.settings.staffed_every_day)


def open_handoff(ctx: Context, conversation_id: str, transcript: List[Dict[str, Any]], summary: Optional[str],
                 profile_id: Optional[str], contact: Optional[str], channel: Optional[str],
                 actor: str = "system") -> Dict[str, Any]:
    """A 转人工 ticket: live (the bot pauses) while staffed, else due the next working day. One open
    handoff per conversation and person: asking again answers with the one already waiting."""
    pid = checked_id(profile_id) if profile_id else None
    text = summary or next((m["text"] for m in reversed(transcript) if m.get("role") == "user"), "用户请求转人工服务")
    now_local = ctx.local_now()
    spans = _spans(ctx)
    live = is_staffed(now_local, spans, ctx.settings.staffed_every_day)
    answer_at = next_staffed(now_local, spans, ctx.settings.staffed_every_day)
    with ctx.db.write() as conn:
        # the same person's (or, unbound, the same unbound conversation's) open handoff only: a subject naming
        # another person's conversation must not get that person's ticket back
        owner = t.tickets.c.profile_id == pid if pid is not None else t.tickets.c.profile_id.is_(None)
        existing = conn.execute(sa.select(t.tickets.c.id).where(
            t.tickets.c.kind == "handoff", t.tickets.c.conversation_id == conversation_id, owner,
            t.tickets.c.status.in_(OPEN))).scalar()
        if existing is not None:
            tid, again = existing, True
            if live:  # asked again while staffed: the waiting ticket becomes live (the bot pauses again)
                conn.execute(t.tickets.update().where(t.tickets.c.id == tid).values(live=True, updated_at=ctx.now()))
        else:
            tid, again = insert_ticket(
                conn, ctx, "handoff", ("转人工：" if not text.startswith("转人工") else "") + text,
                conversation_id=conversation_id, profile_id=pid, contact=contact, transcript=transcript,
                due=now_local.date() if live else answer_at.date(), channel=channel, live=live), False
            audit.record(conn, ctx, actor, "ticket.create", "ticket", tid, subject_id=pid,
                         after={"kind": "handoff", "live": live})
        out = view(conn, tid)
        out["position"] = _position(conn, tid) if live else None
    out.update({"again": again, "staffed_hours": describe_spans(spans),
                "answer_from": None if live else say_when(answer_at, now_local.date())})
    return out


def release_unanswered(ctx: Context) -> Dict[str, int]:
    """Live handoffs nobody took within ``handoff_wait_minutes`` (or still waiting when staffed hours end):
    the bot resumes and tells the user the ticket stays with the staff and when a person will answer."""
    now, now_local = ctx.now(), ctx.local_now()
    spans = _spans(ctx)
    staffed = is_staffed(now_local, spans, ctx.settings.staffed_every_day)
    limit = now - dt.timedelta(minutes=ctx.settings.handoff_wait_minutes)
    with ctx.db.read() as conn:
        q = sa.select(t.tickets.c.id, t.tickets.c.conversation_id).where(
            t.tickets.c.kind == "handoff", t.tickets.c.status == "待处理", t.tickets.c.live.is_(True))
        rows = conn.execute(q if not staffed else q.where(t.tickets.c.created_at < limit)).all()
    answer_at = next_staffed(now_local + dt.timedelta(minutes=1) if staffed else now_local, spans,
                             ctx.settings.staffed_every_day)
    when = "工作人员会尽快回复您" if staffed else f"工作人员会在{say_when(answer_at, now_local.date())}后回复您"
    done = failed = 0
    for row in rows:
        text = (f"抱歉让您久等了，工作人员暂时都在忙。您的问题已登记（工单号 {row.id}），{when}，"
                "回复会发到这里；在此期间我继续为您服务。")
        try:
            if row.conversation_id:
                ctx.bridge.append(row.conversation_id, [{"event": "resume"}, bot_event(text),
                                                        {"event": "action", "name": "action_listen"}])
        except AppError:
            failed += 1  # tried again on the next pass
            continue
        with ctx.db.write() as conn:
            conn.execute(t.tickets.update().where(t.tickets.c.id == row.id, t.tickets.c.status == "待处理")
                         .values(live=False, updated_at=ctx.now(), due_date=answer_at.date()))
            conn.execute(t.ticket_events.insert().values(ticket_id=row.id, status="待处理", actor="system",
                                                         note="无人接入，已恢复机器人服务并转为留言工单", at=ctx.now()))
        done += 1
    return {"released": done, "failed": failed}


def _position(conn: Connection, tid: str) -> int:
    """How many live handoffs wait ahead of this one (0: next)."""
    created = conn.execute(sa.select(t.tickets.c.created_at).where(t.tickets.c.id == tid)).scalar()
    return int(conn.execute(sa.select(sa.func.count()).select_from(t.tickets).where(
        t.tickets.c.kind == "handoff", t.tickets.c.status == "待处理", t.tickets.c.live.is_(True),
        t.tickets.c.created_at < created)).scalar() or 0)


def _item(row: Any, now: dt.datetime, names: Dict[str, str]) -> Dict[str, Any]:
    return {"id": row.id, "status": row.status, "live": bool(row.live), "channel": row.channel,
            "created_at": row.created_at.isoformat(timespec="seconds"),
            "waited_minutes": max(0, int((now - row.created_at).total_seconds() // 60)),
            "due_date": row.due_date.isoformat() if row.due_date else None, "summary": mask_text(row.summary),
            "assignee": row.assignee, "assignee_name": names.get(row.assignee or "", row.assignee),
            "subject": display_id(row.profile_id) if row.profile_id else None}


def queue(ctx: Context, scope: str, username: str, limit: int = 50, offset: int = 0) -> Dict[str, Any]:
    """The console's list: ``waiting`` (nobody has it; live first, oldest first), ``mine``, ``open``, ``closed``."""
    cols = [t.tickets.c.id, t.tickets.c.status, t.tickets.c.live, t.tickets.c.channel, t.tickets.c.created_at,
            t.tickets.c.due_date, t.tickets.c.summary, t.tickets.c.assignee, t.tickets.c.profile_id]
    where: List[Any] = [t.tickets.c.kind == "handoff"]
    order: List[Any] = [t.tickets.c.created_at, t.tickets.c.id]
    if scope == "waiting":
        where.append(t.tickets.c.status == "待处理")
        order = [t.tickets.c.live.desc(), *order]
    elif scope == "mine":
        where += [t.tickets.c.status == "处理中", t.tickets.c.assignee == username]
    elif scope == "open":
        where.append(t.tickets.c.status.in_(OPEN))
    else:
        where.append(t.tickets.c.status == "已办结")
        order = [t.tickets.c.updated_at.desc(), t.tickets.c.id]
    with ctx.db.read() as conn:
        total = int(conn.execute(sa.select(sa.func.count()).select_from(t.tickets).where(*where)).scalar() or 0)
        waiting = int(conn.execute(sa.select(sa.func.count()).select_from(t.tickets).where(
            t.tickets.c.kind == "handoff", t.tickets.c.status == "待处理")).scalar() or 0)
        rows = conn.execute(sa.select(*cols).where(*where).order_by(*order).limit(limit).offset(offset)).all()
        names = dict(conn.execute(sa.select(t.staff_users.c.username, t.staff_users.c.display_name)).all())
    now = ctx.now()
    return {"total": total, "waiting": waiting, "items": [_item(r, now, names) for r in rows]}


def _row(conn: Connection, tid: str) -> Any:
    row = conn.execute(sa.select(t.tickets).where(t.tickets.c.id == tid, t.tickets.c.kind == "handoff")).first()
    if row is None:
        raise not_found("转人工工单", tid, "handoff_not_found")
    return row


def _epoch(naive_utc: dt.datetime) -> float:
    return naive_utc.replace(tzinfo=dt.timezone.utc).timestamp()


def live_part(events: List[Dict[str, Any]], tid: str, since: dt.datetime) -> List[Dict[str, Any]]:
    """What was said after the handoff: from the bot's handoff message for this ticket (or, if the
    conversation has none, from the ticket's creation), users' words and the bot's or operator's."""
    start = next((i for i, e in enumerate(events) if e.get("event") == "bot"
                  and ((e.get("data") or {}).get("custom") or {}).get("ticket_id") == tid), None)
    if start is None:
        cutoff = _epoch(since)
        chosen = [e for e in events if float(e.get("timestamp") or 0) >= cutoff]
    else:
        chosen = events[start + 1:]
    lines = []
    for e in chosen:
        if e.get("event") not in ("user", "bot") or not e.get("text"):
            continue
        operator = (e.get("metadata") or {}).get("operator") if e["event"] == "bot" else None
        role = "user" if e["event"] == "user" else ("operator" if operator else "bot")
        at = dt.datetime.fromtimestamp(float(e.get("timestamp") or 0), dt.timezone.utc).replace(tzinfo=None)
        lines.append({"role": role, "text": mask_text(str(e["text"])), "at": at.isoformat(timespec="seconds"),
                      **({"operator": operator} if operator else {})})
    return lines


def detail(ctx: Context, tid: str) -> Dict[str, Any]:
    with ctx.db.read() as conn:
        row = _row(conn, tid)
        out = view(conn, tid)
        names = dict(conn.execute(sa.select(t.staff_users.c.username, t.staff_users.c.display_name)).all())
        sent = conn.execute(sa.select(t.handoff_messages).where(t.handoff_messages.c.ticket_id == tid)
                            .order_by(t.handoff_messages.c.id)).all()
    before = [{"at": None, **m} for m in out.pop("transcript")]
    live: List[Dict[str, Any]] = []
    out["transcript_source"] = "ticket"  # a closed handoff keeps its whole transcript on the ticket
    if row.status != "已办结" and row.conversation_id:
        try:
            live = live_part(ctx.bridge.events(row.conversation_id), tid, row.created_at)
            out["transcript_source"] = "rasa"
        except AppError:  # Rasa unreachable: what the operators sent is still known here
            live = [{"role": "operator", "text": m.text, "at": m.at.isoformat(timespec="seconds"),
                     "operator": m.actor} for m in sent]
            out["transcript_source"] = "console"
    out.update(_item(row, ctx.now(), names))
    out["transcript"] = before + live
    return out


def claim(ctx: Context, tid: str, username: str) -> Dict[str, Any]:
    """Take a waiting handoff; 409 when another operator has it (one atomic update decides)."""
    now = ctx.now()
    with ctx.db.write() as conn:
        row = _row(conn, tid)
        taken = conn.execute(t.tickets.update().where(
            t.tickets.c.id == tid, t.tickets.c.status == "待处理", t.tickets.c.assignee.is_(None)).values(
            status="处理中", assignee=username, claimed_at=now, updated_at=now)).rowcount
        if not taken:
            if row.assignee == username and row.status == "处理中":
                return detail(ctx, tid)
            who = staff.display_name(ctx, row.assignee) if row.assignee else "其他坐席"
            raise AppError(409, "handoff_taken", f"该会话已由{who}接入。" if row.status != "已办结" else "该会话已结束。",
                           f"ticket {tid} is {row.status}, assignee {row.assignee}")
        conn.execute(t.ticket_events.insert().values(ticket_id=tid, status="处理中", note="坐席接入",
                                                     actor=f"staff:{username}", at=now))
        audit.record(conn, ctx, f"staff:{username}", "handoff.claim", "ticket", tid, subject_id=row.profile_id)
    if row.conversation_id:
        greeting = "您好，人工客服已接入，请问有什么可以帮您？" if row.live else \
            "您好，我是12345热线工作人员，已看到您之前的留言，现在为您处理。"
        _deliver(ctx, row.conversation_id, greeting, username, tid, soft=True)
    return detail(ctx, tid)


def _deliver(ctx: Context, conversation_id: str, text: str, username: str, tid: str, soft: bool = False) -> bool:
    try:
        ctx.bridge.append(conversation_id, [bot_event(text, metadata={"operator": username, "ticket_id": tid})])
    except AppError:
        if soft:
            return False
        raise
    with ctx.db.write() as conn:
        conn.execute(t.handoff_messages.insert().values(ticket_id=tid, actor=username, text=mask_text(text),
                                                        at=ctx.now()))
    return True


def say(ctx: Context, tid: str, username: str, text: str) -> Dict[str, Any]:
    """An operator's message to the user, through the user's own channel; only from the operator who has it."""
    text = text.strip()
    if not text:
        raise AppError(422, "empty_message", "请输入要发送的内容。", "message text is empty")
    with ctx.db.read() as conn:
        row = _row(conn, tid)
    if row.status != "处理中" or row.assignee != username:
        raise AppError(409, "not_your_handoff", "请先接入该会话再回复。" if row.status == "待处理" else
                       "该会话不在您的接待中。", f"ticket {tid} is {row.status}, assignee {row.assignee}")
    if not row.conversation_id:
        raise AppError(409, "no_conversation", "该工单没有可回复的对话。", "ticket has no conversation")
    _deliver(ctx, row.conversation_id, text, username, tid)
    return {"text": mask_text(text), "at": ctx.now().isoformat(timespec="seconds")}


def release(ctx: Context, tid: str, username: str, note: str) -> Dict[str, Any]:
    """Hand the conversation back to the bot (Rasa ``resume``) and close the ticket with the operator's note."""
    note = (note or "").strip()
    if not note:
        raise AppError(422, "note_required", "结束会话前请简要填写处理情况。", "handing back needs a note")
    with ctx.db.read() as conn:
        row = _row(conn, tid)
    if row.status != "处理中" or row.assignee != username:
        raise AppError(409, "not_your_handoff", "该会话不在您的接待中。", f"ticket {tid} is {row.status}")
    live: List[Dict[str, Any]] = []
    if row.conversation_id:
        buttons = rating_buttons()
        # first Rasa (nothing changes here if it is unreachable), then the ticket
        # resume, then listen: the dialogue policies see a bot waiting for the user, as after any turn
        ctx.bridge.append(row.conversation_id, [{"event": "resume"}, bot_event(HANDED_BACK, buttons=buttons),
                                                {"event": "action", "name": "action_listen"}])
        try:
            live = live_part(ctx.bridge.events(row.conversation_id), tid, row.created_at)
        except AppError:
            live = []
    now = ctx.now()
    with ctx.db.write() as conn:
        before = json.loads(row.transcript_json or "[]")
        kept = before + [{"role": m["role"], "text": m["text"], "at": m["at"]} for m in live]
        conn.execute(t.tickets.update().where(t.tickets.c.id == tid).values(
            status="已办结", live=False, closed_at=now, updated_at=now, transcript_json=transcript_json(kept)))
        conn.execute(t.ticket_events.insert().values(ticket_id=tid, status="已办结", note=mask_text(note),
                                                     actor=f"staff:{username}", at=now))
        audit.record(conn, ctx, f"staff:{username}", "handoff.release", "ticket", tid, subject_id=row.profile_id,
                     reason=note)
    return detail(ctx, tid)
