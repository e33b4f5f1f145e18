"""一件事一次办: a bundle's member items as one guided submission.

The checklist says, per member item and for the caller's own data account, what is already settled (✓,
with where each fact comes from), what is still needed (one plain-word question per missing fact), which
electronic licences are fetched instead of paper (免证办), and one pre-filled form: the union of the items'
fields. One confirmation creates every ready item's application (an item still missing facts stays open and
joins the same submission when it is confirmed again later) in one transaction, linked by a bundle
submission (one per subject and bundle, so a later visit resumes it); a replay with the same idempotency
key returns the same set. Items that are 免申即享, for another kind of applicant, or not met are reported as
such and never applied for.
"""

from __future__ import annotations

import json
import uuid
from typing import Any, Dict, List, Mapping, Optional, Tuple

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from eligibility.context import Context
from eligibility.errors import AppError, not_found
from eligibility.profiles.store import Profile, derive
from eligibility.rules.evaluate import explain_all
from eligibility.rules.fields import FieldSpec
from eligibility.rules.model import Cond
from eligibility.rules.policies import Policy
from eligibility.rules.values import to_json
from eligibility.services import applications, audit
from eligibility.services.grants import GRANT_LABEL
from eligibility.services.licences import cover_materials, licences_for
from eligibility.services.profiles import display_id, get_profile
from eligibility.storage import tables as t

WHO = {"enterprise": "企业", "citizen": "个人"}
DONE = {"approved", "paid"}
STATE_LABEL = {
    "ready": "可一并提交", "needs_information": "还需补充信息", "applied": "已申请", "no_application": "免申即享，无需申请",
    "other_audience": "需另行办理", "not_eligible": "暂不符合", "window_closed": "不在申报期",
}


def _bundle(ctx: Context, bundle_id: str) -> Tuple[Policy, List[Policy]]:
    bundle = ctx.policies.get(bundle_id.strip().upper())
    if bundle is None or bundle.doc.kind != "bundle":
        raise not_found("一件事", bundle_id, "bundle_not_found")
    members = [m for m in (ctx.policies.get(i) for i in bundle.doc.members) if m is not None]
    return bundle, members


def _text(node: Any) -> str:
    return node.text if isinstance(node, Cond) else node.label


def _latest_application(conn: Connection, profile_id: str, policy_id: str) -> Optional[Mapping[str, Any]]:
    return conn.execute(sa.select(t.applications.c.id, t.applications.c.status).where(
        t.applications.c.profile_id == profile_id, t.applications.c.policy_id == policy_id)
        .order_by(t.applications.c.created_at.desc())).mappings().first()


def _latest_grant(conn: Connection, profile_id: str, policy_id: str) -> Optional[Mapping[str, Any]]:
    return conn.execute(sa.select(t.grants.c.id, t.grants.c.status, t.grants.c.amount_wan).where(
        t.grants.c.profile_id == profile_id, t.grants.c.policy_id == policy_id)
        .order_by(t.grants.c.created_at.desc())).mappings().first()


def _item(conn: Connection, ctx: Context, policy: Policy, profile: Profile, values: Mapping[str, Any],
          licences: List[Dict[str, str]]) -> Dict[str, Any]:
    cat = ctx.policies.catalogue
    item: Dict[str, Any] = {"policy_id": policy.id, "title": policy.doc.title,
                            "short_title": policy.doc.short_title or policy.doc.title, "handling": policy.handling,
                            "settled": [], "missing": [], "not_met": [], "licences": [], "to_upload": []}
    if policy.audience != profile.kind:
        item["state"] = "other_audience"
        item["note"] = f"该事项面向{WHO[policy.audience]}办理，需由{WHO[policy.audience]}另行申请。"
        return item
    if policy.handling == "免申即享":
        grant = _latest_grant(conn, profile.id, policy.id)
        item["state"] = "no_application"
        item["grant"] = None if grant is None else {
            "id": grant["id"], "status": grant["status"], "status_label": GRANT_LABEL.get(grant["status"], grant["status"])}
        item["note"] = "免申即享：符合条件的由系统主动兑现，无需申请。"
        return item
    app = _latest_application(conn, profile.id, policy.id)
    if app is not None and app["status"] != "rejected":
        item.update(state="applied", application_id=app["id"], status=app["status"],
                    status_label=applications.STATUS_LABEL[app["status"]])
        return item
    result, outcomes = explain_all(policy.conditions, values)
    for o in outcomes:
        if o.result is True:
            fields = [leaf.field for leaf in o.node.leaves()]
            prov = [(profile.provenance(f, cat) or {}).get("provenance") for f in fields]
            item["settled"].append({"text": _text(o.node), "by": "verified" if "verified" in prov else "declared"})
        elif o.result is False:
            item["not_met"].append(_text(o.node))
        else:
            for leaf in o.unknown_leaves():
                if leaf.field not in item["missing"]:
                    item["missing"].append(leaf.field)
    covered, to_upload = cover_materials(list(policy.doc.materials), licences)
    item["licences"], item["to_upload"] = covered, to_upload
    if result is False:
        item["state"] = "not_eligible"
    elif policy.window_state(ctx.today()) == "closed":
        item["state"] = "window_closed"
    else:
        item["state"] = "ready" if result is True else "needs_information"
    return item


def _leaf_texts(members: List[Policy]) -> Dict[str, str]:
    texts: Dict[str, str] = {}
    for m in members:
        for node in m.conditions:
            for leaf in node.leaves():
                if leaf.text:
                    texts.setdefault(leaf.field, leaf.text)
    return texts


def _question(spec: Optional[FieldSpec], name: str, text: Optional[str]) -> str:
    """One plain question: the catalogue's own wording, else one built on the condition's words (a field the
    corpus introduced has only a label inferred from those words)."""
    if spec is not None and (spec.question_text or (spec.kind == "bool" and not spec.inferred) or not text):
        return spec.question(text if spec.kind == "bool" else None)
    about = text or (spec.label if spec else name)
    if spec is None or spec.kind in ("enum", "list"):
        hint = f"（例如：{'、'.join(spec.examples[:4])}）" if spec is not None and spec.examples else ""
        return f"关于“{about}”，请告诉我您的具体情况{hint}。"
    if spec.kind == "bool":
        return f"请问是否符合这一条件：{about}？"
    if spec.kind == "date":
        return f"关于“{about}”，请告诉我日期（格式如 2024-05-01）。"
    unit = f"（单位：{spec.unit}）" if spec.unit else ""
    return f"关于“{about}”，请告诉我具体数字{unit}。"


def _checklist(conn: Connection, ctx: Context, profile: Profile, bundle: Policy,
               members: List[Policy]) -> Dict[str, Any]:
    cat = ctx.policies.catalogue
    today = ctx.today()
    values = derive(profile.values(today), today)
    licences = licences_for(profile.id, profile.kind, values)
    items = [_item(conn, ctx, m, profile, values, licences) for m in members]
    missing: List[str] = []
    for item in items:
        if item["state"] == "needs_information":
            missing += [f for f in item["missing"] if f not in missing]
    texts = _leaf_texts(members)
    questions = []
    for name in missing:
        spec = cat.get(name)
        questions.append({"field": name, "label": spec.label if spec else name, "type": spec.kind if spec else "enum",
                          "question": _question(spec, name, texts.get(name)),
                          "examples": list(spec.examples) if spec else [],
                          "for": [i["policy_id"] for i in items if name in i["missing"]]})
    form_fields: List[Dict[str, Any]] = []
    seen = set()
    for m, item in zip(members, items):
        if item["state"] not in ("ready", "needs_information"):
            continue
        for name in m.fields():
            if name in seen:
                continue
            seen.add(name)
            spec = cat.get(name)
            form_fields.append({"field": name, "label": spec.label if spec else name,
                                "value": to_json(spec.kind if spec else "enum", values.get(name)),
                                "provenance": (profile.provenance(name, cat) or {}).get("provenance", "missing")})
    submission = _submission_row(conn, profile.id, bundle.id)
    return {
        "bundle_id": bundle.id, "title": bundle.doc.title, "profile_id": display_id(profile.id),
        "applicant_kind": profile.kind, "items": items, "questions": questions,
        "next_question": questions[0] if questions else None,
        "licences": [{"type": lic["type"], "issuer": lic["issuer"]} for lic in licences],
        "form": {"fields": form_fields,
                 "prefilled": sum(1 for f in form_fields if f["provenance"] in ("verified", "declared", "derived")),
                 "total": len(form_fields)},
        "ready": [i["policy_id"] for i in items if i["state"] == "ready"],
        "can_submit": any(i["state"] == "ready" for i in items),
        "submission": _view(conn, ctx, submission) if submission is not None else None,
    }


def checklist(ctx: Context, raw_profile_id: str, bundle_id: str) -> Dict[str, Any]:
    bundle, members = _bundle(ctx, bundle_id)
    with ctx.db.read() as conn:
        profile = get_profile(conn, raw_profile_id, ctx.policies.catalogue)
        return _checklist(conn, ctx, profile, bundle, members)


def _submission_row(conn: Connection, profile_id: str, bundle_id: str) -> Optional[Mapping[str, Any]]:
    return conn.execute(sa.select(t.bundle_submissions).where(
        t.bundle_submissions.c.profile_id == profile_id, t.bundle_submissions.c.bundle_id == bundle_id)).mappings().first()


def _view(conn: Connection, ctx: Context, row: Mapping[str, Any]) -> Dict[str, Any]:
    """Per item status and the whole: applications approved or paid, and grants paid, count as 办结."""
    linked = {i["policy_id"]: i["application_id"] for i in json.loads(row["items_json"])}
    bundle = ctx.policies.get(row["bundle_id"])
    items = []
    for policy_id in (bundle.doc.members if bundle else list(linked)):
        policy = ctx.policies.get(policy_id)
        title = (policy.doc.short_title or policy.doc.title) if policy else policy_id
        if policy_id in linked:
            status = conn.execute(sa.select(t.applications.c.status).where(
                t.applications.c.id == linked[policy_id])).scalar() or "submitted"
            items.append({"policy_id": policy_id, "title": title, "kind": "application",
                          "application_id": linked[policy_id], "status": status,
                          "status_label": applications.STATUS_LABEL[status], "done": status in DONE})
            continue
        grant = _latest_grant(conn, row["profile_id"], policy_id) if policy and policy.handling == "免申即享" else None
        if grant is not None:
            items.append({"policy_id": policy_id, "title": title, "kind": "grant", "grant_id": grant["id"],
                          "status": grant["status"], "status_label": GRANT_LABEL.get(grant["status"], grant["status"]),
                          "done": grant["status"] == "paid"})
    done = sum(1 for i in items if i["done"])
    return {"id": row["id"], "bundle_id": row["bundle_id"], "title": bundle.doc.title if bundle else row["bundle_id"],
            "profile_id": display_id(row["profile_id"]), "items": items, "total": len(items), "done": done,
            "summary": f"{len(items)} 项中 {done} 项已办结",
            "created_at": row["created_at"].isoformat(timespec="seconds"),
            "updated_at": row["updated_at"].isoformat(timespec="seconds")}


def owner(ctx: Context, submission_id: str) -> Optional[str]:
    with ctx.db.read() as conn:
        return conn.execute(sa.select(t.bundle_submissions.c.profile_id).where(
            t.bundle_submissions.c.id == submission_id)).scalar()


def get(ctx: Context, submission_id: str) -> Dict[str, Any]:
    with ctx.db.read() as conn:
        row = conn.execute(sa.select(t.bundle_submissions).where(
            t.bundle_submissions.c.id == submission_id)).mappings().first()
        if row is None:
            raise not_found("一件事办理", submission_id, "submission_not_found")
        return _view(conn, ctx, row)


def submit(ctx: Context, raw_profile_id: str, bundle_id: str, key: Optional[str],
           actor: str = "applicant") -> Tuple[Dict[str, Any], bool]:
    """Create every ready item's application in one transaction; returns (submission, replayed)."""
    bundle, members = _bundle(ctx, bundle_id)
    try:
        with ctx.db.write() as conn:
            return _submit(conn, ctx, raw_profile_id, bundle, members, key, actor)
    except IntegrityError:  # a concurrent submission of the same bundle (or key) won the race
        with ctx.db.read() as conn:
            profile = get_profile(conn, raw_profile_id, ctx.policies.catalogue)
            row = _submission_row(conn, profile.id, bundle.id)
            if row is None:
                raise
            return _view(conn, ctx, row), True


def _submit(conn: Connection, ctx: Context, raw_profile_id: str, bundle: Policy, members: List[Policy],
            key: Optional[str], actor: str) -> Tuple[Dict[str, Any], bool]:
    profile = get_profile(conn, raw_profile_id, ctx.policies.catalogue)
    if key:
        found = conn.execute(sa.select(t.bundle_submissions).where(
            t.bundle_submissions.c.idempotency_key == key)).mappings().first()
        if found is not None:
            if found["profile_id"] != profile.id or found["bundle_id"] != bundle.id:
                raise AppError(409, "idempotency_key_reused", "该幂等键已用于另一笔不同的办理，请使用新的幂等键。",
                               "the idempotency key was used for another bundle submission")
            return _view(conn, ctx, found), True
    state = _checklist(conn, ctx, profile, bundle, members)
    existing = _submission_row(conn, profile.id, bundle.id)
    ready = [m for m, i in zip(members, state["items"]) if i["state"] == "ready"]
    if not ready:
        if existing is not None:  # nothing new: the submission made earlier, as it stands
            return _view(conn, ctx, existing), True
        raise AppError(409, "nothing_to_submit", "这件事中目前没有可以由您一并提交的事项。",
                       "no member item can be applied for by this subject")
    linked = json.loads(existing["items_json"]) if existing is not None else []
    sms = False
    for policy in ready:
        app = applications.create_in(conn, ctx, policy, profile.id, f"{key}:{policy.id}"[:120] if key else None, {},
                                   applications.request_hash_of(profile.id, policy.id, {}), actor)
        sms = sms or bool(app.get("sms_queued"))
        linked = [i for i in linked if i["policy_id"] != policy.id] + [{"policy_id": policy.id,
                                                                        "application_id": app["id"]}]
    now = ctx.now()
    items_json = json.dumps(linked, ensure_ascii=False)
    if existing is None:
        sub_id = f"YJ{ctx.today():%Y%m%d}{uuid.uuid4().hex[:10].upper()}"
        conn.execute(t.bundle_submissions.insert().values(
            id=sub_id, profile_id=profile.id, bundle_id=bundle.id, idempotency_key=key, items_json=items_json,
            created_at=now, updated_at=now))
    else:
        sub_id = existing["id"]
        conn.execute(t.bundle_submissions.update().where(t.bundle_submissions.c.id == sub_id).values(
            items_json=items_json, updated_at=now))
    audit.record(conn, ctx, actor, "bundle.submit", "bundle_submission", sub_id, subject_id=profile.id,
                 before={"items": json.loads(existing["items_json"])} if existing is not None else None,
                 after={"bundle_id": bundle.id, "items": linked})
    row = conn.execute(sa.select(t.bundle_submissions).where(t.bundle_submissions.c.id == sub_id)).mappings().one()
    return {**_view(conn, ctx, row), "sms_queued": sms}, False


def for_profile(ctx: Context, raw_profile_id: str) -> List[Dict[str, Any]]:
    with ctx.db.read() as conn:
        profile = get_profile(conn, raw_profile_id, ctx.policies.catalogue)
        rows = conn.execute(sa.select(t.bundle_submissions).where(t.bundle_submissions.c.profile_id == profile.id)
                            .order_by(t.bundle_submissions.c.updated_at.desc())).mappings().all()
        return [_view(conn, ctx, r) for r in rows]

