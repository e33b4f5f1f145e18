"""免申即享: match every profile against the 免申即享 policies in SQL; grants and notifications, once."""

from __future__ import annotations

import datetime as dt
import hashlib
import time
import uuid
from typing import Any, Dict, List, Mapping, Optional

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from eligibility.auth.principal import Principal
from eligibility.context import Context
from eligibility.errors import AppError, invalid, not_found
from eligibility.profiles.store import from_row
from eligibility.rules.evaluate import evaluate_all
from eligibility.rules.policies import Policy
from eligibility.rules.sqlcompile import all_to_sql
from eligibility.services import audit, outbox
from eligibility.services.profiles import checked_id, display_id
from eligibility.storage import tables as t

GRANT_LABEL = {"notified": "待确认", "paid": "已发放"}


def eligible_sql(policy: Policy) -> sa.sql.Select:
    p = t.profiles
    return sa.select(p.c.id).where(p.c.kind == policy.audience, all_to_sql(policy.conditions, p))


def _grant_policies(ctx: Context) -> List[Policy]:
    return [p for p in ctx.policies.by_handling("免申即享") if p.conditions]


def run(ctx: Context, period: Optional[str] = None) -> Dict[str, Any]:
    """One transaction: new grants for every newly eligible profile, one notification per new grant."""
    period = period or str(ctx.today().year)
    run_id = f"RUN{uuid.uuid4().hex[:12].upper()}"
    now = ctx.now()
    started = time.perf_counter()
    per_policy: Dict[str, int] = {}
    p, g, n = t.profiles, t.grants, t.notifications
    with ctx.db.write() as conn:
        conn.execute(t.grant_runs.insert().values(id=run_id, started_at=now))
        for policy in _grant_policies(ctx):
            already = sa.select(g.c.id).where(g.c.policy_id == policy.id, g.c.profile_id == p.c.id, g.c.period == period)
            select = sa.select(
                sa.literal(policy.id, sa.String), p.c.id, sa.literal(period, sa.String), sa.literal("notified", sa.String),
                sa.literal(policy.doc.benefit.max_amount_wan, sa.Float), sa.literal(run_id, sa.String),
                sa.literal(now, sa.DateTime),
            ).where(p.c.kind == policy.audience, all_to_sql(policy.conditions, p), ~sa.exists(already))
            res = conn.execute(g.insert().from_select(
                ["policy_id", "profile_id", "period", "status", "amount_wan", "run_id", "created_at"], select))
            per_policy[policy.id] = int(res.rowcount or 0)
            title = f"您可享受“{policy.doc.short_title or policy.doc.title}”（免申即享）"
            body = (f"根据共享数据比对，您符合“{policy.doc.title}”的条件，无需申请。{policy.doc.benefit.text}"
                    "请在消息中确认收款账户，确认后即按规定发放。")
            conn.execute(n.insert().from_select(
                ["profile_id", "kind", "grant_id", "policy_id", "title", "body", "created_at"],
                sa.select(g.c.profile_id, sa.literal("grant", sa.String), g.c.id, g.c.policy_id,
                          sa.literal(title, sa.String), sa.literal(body, sa.Text), sa.literal(now, sa.DateTime))
                .where(g.c.run_id == run_id, g.c.policy_id == policy.id)))
            sms = (f"【政策通】您符合“{policy.doc.short_title or policy.doc.title}”（免申即享），无需申请。"
                   "请在政策通中确认收款账户后发放。")
            conn.execute(t.outbox.insert().from_select(
                ["channel", "recipient", "subject_id", "purpose", "body", "status", "attempts", "created_at"],
                sa.select(sa.literal("sms", sa.String), p.c.mobile, g.c.profile_id, sa.literal("grant", sa.String),
                          sa.literal(sms, sa.Text), sa.literal("queued", sa.String), sa.literal(0, sa.Integer),
                          sa.literal(now, sa.DateTime))
                .select_from(g.join(p, p.c.id == g.c.profile_id))
                .where(g.c.run_id == run_id, g.c.policy_id == policy.id, p.c.mobile.is_not(None))))
        created = sum(per_policy.values())
        # one entry per run (the notices are created in bulk, one per grant; the run says how many per policy)
        audit.record(conn, ctx, "system:grants", "grants.run", "grant_run", run_id,
                     after={"period": period, "grants_created": per_policy})
        conn.execute(t.grant_runs.update().where(t.grant_runs.c.id == run_id).values(
            finished_at=ctx.now(), policies=len(per_policy), grants_created=created, notifications_created=created))
    return {"run_id": run_id, "period": period, "policies": per_policy, "grants_created": created,
            "seconds": round(time.perf_counter() - started, 3)}


def chat_notice(policy: Optional[Policy], amount_wan: Optional[float]) -> str:
    """A 免申即享 notice as the assistant says it in the conversation."""
    name = (policy.doc.short_title or policy.doc.title) if policy else "一项免申即享政策"
    amount = f"，最高{amount_wan:g}万元" if amount_wan else ""
    return (f"您好，根据共享数据比对，您符合“{name}”的条件（免申即享{amount}），无需申请。"
            "确认收款账户后即按规定发放：点“确认收款账户”或回复“查一下免申即享”即可办理。")


def queue_chat_notices(ctx: Context) -> Dict[str, int]:
    """Each grant still waiting for its account, as a message to every conversation its subject is bound to
    now (``bindings.active``): once per grant and conversation, however often the job runs. A subject who
    logs in later gets the notice in that conversation at the next run."""
    from eligibility.services import bindings

    g, b = t.grants, t.bindings
    queued = 0
    with ctx.db.read() as conn:
        rows = conn.execute(sa.select(g.c.id, g.c.policy_id, g.c.profile_id, g.c.amount_wan, b.c.conversation_id)
                            .select_from(g.join(b, sa.and_(b.c.subject_id == g.c.profile_id,
                                                           b.c.active_key.is_not(None))))
                            .where(g.c.status == "notified").order_by(g.c.id, b.c.id)).mappings().all()
        live = {r["conversation_id"] for r in rows
                if (found := bindings.active(conn, ctx, r["conversation_id"])) and found["subject_id"] == r["profile_id"]}
    for r in rows:
        if r["conversation_id"] not in live:
            continue
        with ctx.db.write() as conn:
            made = outbox.queue_chat(conn, ctx, r["conversation_id"],
                                     chat_notice(ctx.policies.get(r["policy_id"]), r["amount_wan"]), "grant",
                                     subject_id=r["profile_id"], policy_id=r["policy_id"],
                                     dedupe_key=f"chat:grant:{r['id']}:{r['conversation_id']}")
        queued += made is not None
    return {"chat_queued": queued}


def eligible_python(ctx: Context, policy: Policy, batch: int = 20000) -> List[str]:
    """The same selection as ``run`` by a plain Python loop over the rows (baseline and cross-check)."""
    cat = ctx.policies.catalogue
    cols = [t.profiles.c.id] + [t.profiles.c[f] for f in policy.fields() if f in t.profiles.c]
    out: List[str] = []
    with ctx.db.read() as conn:
        result = conn.execution_options(stream_results=True).execute(
            sa.select(*cols).where(t.profiles.c.kind == policy.audience))
        for rows in iter(lambda: result.fetchmany(batch), []):
            for row in rows:
                m = row._mapping
                if evaluate_all(policy.conditions, from_row(m, cat)) is True:
                    out.append(m["id"])
    return out


def _grant_view(row: Mapping[str, Any], ctx: Context) -> Dict[str, Any]:
    policy = ctx.policies.get(row["policy_id"])
    return {"id": row["id"], "policy_id": row["policy_id"], "policy_title": policy.doc.title if policy else None,
            "period": row["period"], "status": row["status"], "status_label": GRANT_LABEL.get(row["status"], row["status"]),
            "amount_wan": row["amount_wan"], "account": row["account_masked"],
            "confirmed_at": row["confirmed_at"].isoformat(timespec="seconds") if row["confirmed_at"] else None,
            "paid_at": row["paid_at"].isoformat(timespec="seconds") if row["paid_at"] else None}


def notifications(ctx: Context, raw_profile_id: str) -> List[Dict[str, Any]]:
    pid = checked_id(raw_profile_id)
    n, g = t.notifications, t.grants
    with ctx.db.read() as conn:
        if conn.execute(sa.select(t.profiles.c.id).where(t.profiles.c.id == pid)).first() is None:
            raise not_found("该主体的数据账户", display_id(pid), "profile_not_found")
        rows = conn.execute(sa.select(n).where(n.c.profile_id == pid).order_by(n.c.id.desc())).mappings().all()
        grant_ids = [r["grant_id"] for r in rows if r["grant_id"] is not None]
        grants = {r["id"]: r for r in conn.execute(sa.select(g).where(g.c.id.in_(grant_ids))).mappings()} if grant_ids else {}
    return [{"id": r["id"], "kind": r["kind"], "title": r["title"], "body": r["body"], "policy_id": r["policy_id"],
             "application_id": r["application_id"], "created_at": r["created_at"].isoformat(timespec="seconds"),
             "grant": _grant_view(grants[r["grant_id"]], ctx) if r["grant_id"] in grants else None} for r in rows]


def owner(ctx: Context, grant_id: int) -> Optional[str]:
    with ctx.db.read() as conn:
        return conn.execute(sa.select(t.grants.c.profile_id).where(t.grants.c.id == grant_id)).scalar()


def _account_problem(number: str) -> Optional[str]:
    digits = number.replace(" ", "").replace("-", "")
    if not digits.isdigit() or not 8 <= len(digits) <= 30:
        return "收款账号应为8至30位数字，请核对。"
    return None


def confirm(ctx: Context, grant_id: int, raw_profile_id: str, account_number: str, account_name: Optional[str],
            bank: str, actor: Principal | str = "applicant") -> Dict[str, Any]:
    """Confirm the receiving account once; the (simulated) payment follows at once."""
    pid = checked_id(raw_profile_id)
    problem = _account_problem(account_number)
    if problem:
        raise invalid("invalid_account", problem, "account number must be 8-30 digits",
                      [{"field": "account_number", "message": problem}])
    digits = account_number.replace(" ", "").replace("-", "")
    g = t.grants
    with ctx.db.write() as conn:
        row = conn.execute(sa.select(g).where(g.c.id == grant_id)).mappings().first()
        if row is None or row["profile_id"] != pid:
            raise not_found("待确认的免申即享资金", str(grant_id), "grant_not_found")
        if account_name is None:
            account_name = conn.execute(sa.select(t.profiles.c.name).where(t.profiles.c.id == pid)).scalar() or ""
        digest = hashlib.sha256(f"{bank}|{digits}|{account_name}".encode()).hexdigest()
        if row["status"] != "notified":
            if row["account_hash"] == digest:
                return _grant_view(row, ctx)
            raise AppError(409, "grant_already_confirmed", "该笔资金已确认过收款账户并已发放，不能再次更改。",
                           "the grant was already confirmed")
        now = ctx.now()
        conn.execute(g.update().where(g.c.id == grant_id, g.c.status == "notified").values(
            status="paid", account_masked=f"{bank} ****{digits[-4:]}", account_hash=digest, confirmed_at=now, paid_at=now))
        _notify_paid(conn, row, now)
        amount = f"{row['amount_wan']:g}万元" if row["amount_wan"] else "相应资金"
        sms = outbox.queue_to_subject(conn, ctx, pid, f"【政策通】您的免申即享资金{amount}已发放至{bank}尾号{digits[-4:]}"
                                      "的账户（演示环境为模拟拨付）。", "grant")
        audit.record(conn, ctx, actor, "grant.confirm", "grant", str(grant_id), subject_id=pid,
                     before={"status": row["status"]}, after={"status": "confirmed", "account": f"{bank} ****{digits[-4:]}"})
        # the (simulated) payment is its own step: a real payment system would record it when it pays
        audit.record(conn, ctx, "system:payment", "grant.paid", "grant", str(grant_id), subject_id=pid,
                     before={"status": "confirmed"}, after={"status": "paid", "amount_wan": row["amount_wan"]})
        fresh = conn.execute(sa.select(g).where(g.c.id == grant_id)).mappings().first()
        assert fresh is not None
        return {**_grant_view(fresh, ctx), "sms_queued": sms is not None}


def _notify_paid(conn: Connection, row: Mapping[str, Any], now: dt.datetime) -> None:
    amount = f"{row['amount_wan']:g}万元" if row["amount_wan"] else "相应资金"
    conn.execute(t.notifications.insert().values(
        profile_id=row["profile_id"], kind="payment", policy_id=row["policy_id"], title="免申即享资金已发放",
        body=f"您确认的收款账户已收到{amount}（演示环境为模拟拨付）。", created_at=now))
