"""One-click applications: pre-filled from verified data, licences by reference, idempotent, 秒批."""

from __future__ import annotations

import hashlib
import json
import uuid
from typing import Any, Dict, List, Mapping, Optional, Tuple

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from eligibility.context import Context
from eligibility.errors import AppError, invalid, not_found
from eligibility.profiles.store import Profile, derive
from eligibility.rules.evaluate import Outcome, evaluate_all, explain_all
from eligibility.rules.model import Cond
from eligibility.rules.policies import Policy
from eligibility.rules.values import to_json
from eligibility.services import audit, outbox
from eligibility.services.benefit import estimate
from eligibility.services.licences import cover_materials, licences_for
from eligibility.services.profiles import checked_fields, display_id, get_profile
from eligibility.storage import tables as t

STATUS_LABEL = {"submitted": "已提交", "under_review": "审核中", "approved": "已批准", "rejected": "未通过", "paid": "已拨付"}
TRANSITIONS = {
    "submitted": {"under_review", "approved", "rejected"},
    "under_review": {"approved", "rejected"},
    "approved": {"paid"},
    "rejected": set(),
    "paid": set(),
}
OPEN = {"submitted", "under_review", "approved"}


def request_hash_of(profile_id: str, policy_id: str, fields: Mapping[str, Any]) -> str:
    blob = json.dumps([profile_id, policy_id, fields], sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()


def _policy(ctx: Context, policy_id: str) -> Policy:
    policy = ctx.policies.get(policy_id)
    if policy is None:
        raise not_found("政策或事项", policy_id, "policy_not_found")
    return policy


def _trail(outcomes: List[Outcome], profile: Profile, values: Mapping[str, Any], ctx: Context) -> List[Dict[str, Any]]:
    rows = []
    for o in outcomes:
        leaves = [leaf for leaf in o.node.leaves()]
        rows.append({
            "text": o.node.text if isinstance(o.node, Cond) else o.node.label,
            "result": {True: "met", False: "not_met", None: "unknown"}[o.result],
            "checks": [{**leaf.describe(), "actual": to_json(leaf.kind, values.get(leaf.field)),
                        "provenance": (profile.provenance(leaf.field, ctx.policies.catalogue) or {}).get("provenance")}
                       for leaf in leaves],
        })
    return rows


def _form(policy: Policy, profile: Profile, values: Mapping[str, Any], extra: Mapping[str, Any], ctx: Context) -> Dict:
    cat = ctx.policies.catalogue
    fields = []
    for name in policy.fields():
        spec = cat.get(name)
        prov = profile.provenance(name, cat)
        if name in extra and name not in profile.verified:
            prov = {"provenance": "declared", "source": "申请时填报", "recorded_at": None}
        fields.append({"field": name, "label": spec.label if spec else name,
                       "value": to_json(spec.kind if spec else "enum", values.get(name)),
                       "provenance": (prov or {}).get("provenance", "missing")})
    filled = sum(1 for f in fields if f["provenance"] == "verified")
    return {"applicant": {"id": profile.id, "name": profile.name, "kind": profile.kind},
            "fields": fields, "prefilled_from_verified": filled, "typed_by_user": len(fields) - filled}


def create(ctx: Context, raw_profile_id: str, policy_id: str, idempotency_key: Optional[str],
           raw_fields: Mapping[str, Any], actor: str = "applicant") -> Tuple[Dict[str, Any], bool]:
    """Create an application; returns (application, replayed)."""
    policy = _policy(ctx, policy_id)
    extra = checked_fields(raw_fields, ctx.policies.catalogue)
    request_hash = request_hash_of(raw_profile_id.strip().upper(), policy_id, {k: to_json(
        ctx.policies.catalogue.get(k).kind, v) for k, v in extra.items()})  # type: ignore[union-attr]
    try:
        with ctx.db.write() as conn:
            if idempotency_key:
                found = _by_key(conn, idempotency_key)
                if found is not None:
                    return _replay(conn, found, request_hash, ctx), True
            return create_in(conn, ctx, policy, raw_profile_id, idempotency_key, extra, request_hash, actor), False
    except IntegrityError:
        # a concurrent request with the same key or for the same open application won the race
        with ctx.db.read() as conn:
            if idempotency_key:
                found = _by_key(conn, idempotency_key)
                if found is not None:
                    return _replay(conn, found, request_hash, ctx), True
            raise _duplicate(conn, raw_profile_id.strip().upper(), policy_id) from None


def _by_key(conn: Connection, key: str) -> Optional[Mapping[str, Any]]:
    return conn.execute(sa.select(t.applications).where(t.applications.c.idempotency_key == key)).mappings().first()


def _replay(conn: Connection, row: Mapping[str, Any], request_hash: str, ctx: Context) -> Dict[str, Any]:
    if row["request_hash"] != request_hash:
        raise AppError(409, "idempotency_key_reused", "该幂等键已用于另一笔不同的申请，请为新的申请使用新的幂等键。",
                       "the idempotency key was used with a different request body")
    return view(conn, row["id"], ctx)


def _duplicate(conn: Connection, profile_id: str, policy_id: str) -> AppError:
    row = conn.execute(sa.select(t.applications.c.id, t.applications.c.status).where(
        t.applications.c.active_key == f"{profile_id}:{policy_id}")).first()
    return AppError(409, "application_exists", "您已有一笔该政策的申请正在办理中，无需重复提交，可查询办理进度。",
                    "an open application for this profile and policy exists",
                    {"application_id": row.id if row else None, "status": row.status if row else None})


def create_in(conn: Connection, ctx: Context, policy: Policy, raw_profile_id: str, key: Optional[str],
            extra: Dict[str, Any], request_hash: str, actor: str) -> Dict[str, Any]:
    """One application inside the caller's transaction (a one-click application, or an item of a bundle)."""
    cat = ctx.policies.catalogue
    profile = get_profile(conn, raw_profile_id, cat)
    if policy.audience != profile.kind:
        who = {"enterprise": "企业", "citizen": "个人"}
        raise invalid("audience_mismatch", f"该事项面向{who[policy.audience]}办理，当前主体是{who[profile.kind]}，无法申请。",
                      f"policy audience {policy.audience} does not match profile kind {profile.kind}")
    if policy.handling == "免申即享":
        raise AppError(409, "no_application_needed",
                       "该政策实行“免申即享”，符合条件的无需申请，系统会根据共享数据主动兑现，请留意消息通知。",
                       "this policy is granted without application (免申即享)")
    today = ctx.today()
    if policy.window_state(today) == "closed":
        texts = "；".join(w.text for w in policy.windows(today) if w.text)
        raise AppError(409, "window_closed", f"该事项当前不在申报期内（{texts or '以主管部门通知为准'}），请留意下一批次的申报通知。",
                       "the application window is closed", {"windows": [w.describe() for w in policy.windows(today)]})
    active = conn.execute(sa.select(t.applications.c.id).where(
        t.applications.c.active_key == f"{profile.id}:{policy.id}")).first()
    if active is not None:
        raise _duplicate(conn, profile.id, policy.id)
    values = profile.values(today)
    for name, value in extra.items():
        if name not in profile.verified:
            values[name] = value
    derive(values, today)
    result, outcomes = explain_all(policy.conditions, values)
    if result is False:
        unmet = [o.node.text if isinstance(o.node, Cond) else o.node.label for o in outcomes if o.result is False]
        raise invalid("not_eligible", "很抱歉，根据现有信息，您暂不符合该政策的以下条件：" + "；".join(unmet) + "。",
                      "at least one condition is not met", [{"field": "conditions", "message": m} for m in unmet])
    verified_only = derive(dict(profile.verified), today)
    uncertain = low_confidence(policy)
    instant = (policy.handling == "秒批" and bool(policy.conditions) and policy.doc.conditions_complete
               and not uncertain and evaluate_all(policy.conditions, verified_only) is True)
    if instant:
        decision = {"decision": "秒批通过", "reason": "全部条件均由共享数据核验满足，系统自动审批。"}
    elif policy.handling == "秒批" and uncertain:
        decision = {"decision": "转人工审核",
                    "reason": "以下条件的政策口径尚待核实，不能自动审批，需人工审核：" + "；".join(uncertain) + "。"}
    elif policy.handling == "秒批":
        decision = {"decision": "转人工审核", "reason": "部分条件尚未由共享数据核验（或条件不完整），需人工审核。"}
    else:
        decision = {"decision": "转人工审核", "reason": "该事项按常规申报办理，由主管部门审核。"}
    licences = licences_for(profile.id, profile.kind, values)
    covered, to_upload = cover_materials(list(policy.doc.materials), licences)
    now = ctx.now()
    app_id = f"SQ{today:%Y%m%d}{uuid.uuid4().hex[:10].upper()}"
    trail = {"ruleset_version": ctx.policies.version, "evaluated_at": now.isoformat(timespec="seconds"),
             "handling": policy.handling, **decision, "conditions": _trail(outcomes, profile, values, ctx)}
    status = "approved" if instant else "under_review"
    row = {
        "id": app_id, "profile_id": profile.id, "policy_id": policy.id, "status": status, "handling": policy.handling,
        "idempotency_key": key, "request_hash": request_hash, "active_key": f"{profile.id}:{policy.id}",
        "form_json": json.dumps(_form(policy, profile, values, extra, ctx), ensure_ascii=False, default=str),
        "licences_json": json.dumps({"attached": licences, "covered": covered, "to_upload": to_upload},
                                    ensure_ascii=False),
        "rule_trail_json": json.dumps(trail, ensure_ascii=False, default=str),
        "benefit_json": json.dumps(estimate(policy, values, cat), ensure_ascii=False),
        "ruleset_version": ctx.policies.version, "created_at": now, "updated_at": now,
    }
    events: List[Mapping[str, Any]] = [
        {"application_id": app_id, "status": "submitted", "actor": actor, "note": "一键申请已提交", "at": now},
        {"application_id": app_id, "status": status, "actor": "system:秒批" if instant else "system",
         "note": decision["reason"], "at": now},
    ]
    conn.execute(t.applications.insert().values(**row))
    conn.execute(t.application_events.insert(), events)
    title = f"{policy.doc.short_title or policy.doc.title}：" + ("已秒批通过" if instant else "申请已受理")
    conn.execute(t.notifications.insert().values(
        profile_id=profile.id, kind="application", application_id=app_id, policy_id=policy.id, title=title,
        body=("您的申请已由系统自动审批通过，资金将按规定拨付。" if instant else "您的申请已提交，主管部门将尽快审核，请留意办理进度。"),
        created_at=now))
    name = policy.doc.short_title or policy.doc.title
    sms = outbox.queue_to_subject(conn, ctx, profile.id, (
        f"【政策通】您申请的“{name}”已秒批通过（编号{app_id}），资金将按规定拨付。" if instant else
        f"【政策通】您申请的“{name}”已受理（编号{app_id}），审核结果将短信通知您。"), "application")
    audit.record(conn, ctx, actor, "application.create", "application", app_id, subject_id=profile.id,
                 after={"policy_id": policy.id, "status": status, "decision": decision["decision"]})
    rendered = _render(row, events, ctx)
    rendered["sms_queued"] = sms is not None
    return rendered


def low_confidence(policy: Policy) -> List[str]:
    """The texts of conditions whose reading of the policy is uncertain (``confidence: low``): 秒批 never
    decides on them."""
    return [leaf.text for node in policy.conditions for leaf in node.leaves() if leaf.confidence == "low"]


def owner(ctx: Context, app_id: str) -> Optional[str]:
    with ctx.db.read() as conn:
        return conn.execute(sa.select(t.applications.c.profile_id).where(t.applications.c.id == app_id)).scalar()


def view(conn: Connection, app_id: str, ctx: Context) -> Dict[str, Any]:
    row = conn.execute(sa.select(t.applications).where(t.applications.c.id == app_id)).mappings().first()
    if row is None:
        raise not_found("申请", app_id, "application_not_found")
    events = conn.execute(sa.select(t.application_events).where(t.application_events.c.application_id == app_id)
                          .order_by(t.application_events.c.id)).mappings().all()
    return _render(row, events, ctx)


def _render(row: Mapping[str, Any], events: List[Mapping[str, Any]], ctx: Context) -> Dict[str, Any]:
    policy = ctx.policies.get(row["policy_id"])
    form = json.loads(row["form_json"])
    form["applicant"]["id"] = display_id(form["applicant"]["id"])
    if form["applicant"]["kind"] == "citizen":
        form["applicant"]["name"] = form["applicant"]["name"][:1] + "*" * (len(form["applicant"]["name"]) - 1)
    return {
        "id": row["id"], "profile_id": display_id(row["profile_id"]), "policy_id": row["policy_id"],
        "policy_title": policy.doc.title if policy else None, "status": row["status"],
        "status_label": STATUS_LABEL[row["status"]], "handling": row["handling"],
        "instant_approval": any(e["actor"] == "system:秒批" for e in events),
        "form": form, "licences": json.loads(row["licences_json"]), "rule_trail": json.loads(row["rule_trail_json"]),
        "benefit": json.loads(row["benefit_json"]),
        "history": [{"status": e["status"], "status_label": STATUS_LABEL[e["status"]], "actor": e["actor"],
                     "note": e["note"], "at": e["at"].isoformat(timespec="seconds")} for e in events],
        "created_at": row["created_at"].isoformat(timespec="seconds"),
    }


def get(ctx: Context, app_id: str) -> Dict[str, Any]:
    with ctx.db.read() as conn:
        return view(conn, app_id, ctx)


def for_profile(ctx: Context, raw_profile_id: str) -> List[Dict[str, Any]]:
    with ctx.db.read() as conn:
        profile = get_profile(conn, raw_profile_id, ctx.policies.catalogue)
        ids = conn.execute(sa.select(t.applications.c.id).where(t.applications.c.profile_id == profile.id)
                           .order_by(t.applications.c.created_at.desc(), t.applications.c.id)).scalars().all()
        return [view(conn, i, ctx) for i in ids]


def advance(ctx: Context, app_id: str, status: str, note: Optional[str], actor: str) -> Dict[str, Any]:
    """A reviewer moves an application along: submitted -> under review / approved / rejected -> paid."""
    with ctx.db.write() as conn:
        row = conn.execute(sa.select(t.applications).where(t.applications.c.id == app_id)).mappings().first()
        if row is None:
            raise not_found("申请", app_id, "application_not_found")
        if status not in TRANSITIONS[row["status"]]:
            raise AppError(409, "invalid_transition",
                           f"申请当前状态为“{STATUS_LABEL[row['status']]}”，不能变更为“{STATUS_LABEL.get(status, status)}”。",
                           f"cannot move from {row['status']} to {status}")
        now = ctx.now()
        conn.execute(t.applications.update().where(t.applications.c.id == app_id).values(
            status=status, updated_at=now, active_key=row["active_key"] if status in OPEN else None))
        conn.execute(t.application_events.insert().values(
            application_id=app_id, status=status, actor=actor, note=note, at=now))
        policy = ctx.policies.get(row["policy_id"])
        name = (policy.doc.short_title or policy.doc.title) if policy else row["policy_id"]
        words = {"under_review": "进入审核", "approved": "已审核通过", "rejected": "未予通过", "paid": "资金已拨付"}[status]
        body = f"您申请的“{name}”{words}" + (f"，原因：{note}" if status == "rejected" and note else "") + "。"
        conn.execute(t.notifications.insert().values(
            profile_id=row["profile_id"], kind="application", application_id=app_id, policy_id=row["policy_id"],
            title=f"{name}：{STATUS_LABEL[status]}", body=body, created_at=now))
        outbox.queue_to_subject(conn, ctx, row["profile_id"], f"【政策通】{body}（编号{app_id}）", "application")
        audit.record(conn, ctx, actor, "application.status", "application", app_id, subject_id=row["profile_id"],
                     before={"status": row["status"]}, after={"status": status}, reason=note)
        return view(conn, app_id, ctx)
