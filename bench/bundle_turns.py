"""一件事一次办: user turns from "开始办理" to submitted, for each bundle, through the eligibility REST API.

For each bundle a subject is seeded (in a throwaway database) whose data account settles every condition it
can: the kind of applicant with the most member items to apply for, values solved to meet those items'
conditions together; fields with a shared-data source become verified columns, the others declared
facts (told earlier). A bound conversation then does what the bot does: "开始办理" = GET the checklist
(one turn), one turn per question still open (POST /profiles/me/fields), "确认提交" = POST the bundle's
applications (one turn). A question the subject has no answer for is answered "no"/"none" (a fact of
another kind of life event, such as another route to 落户). Three subjects per bundle:
  turns        its data account settles every condition (met, or known not to be met);
  met-only     it knows only the facts of the items it meets (the others' facts are asked);
  first visit  only its shared-data (verified) columns, nothing told before.

    .venv/bin/python bench/bundle_turns.py          # prints a table and a final JSON line
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path
from typing import Any, Dict, List, Optional

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from fastapi.testclient import TestClient  # noqa: E402

from eligibility.profiles.ids import citizen_check_char, uscc_check_char  # noqa: E402
from eligibility.profiles.store import Profile, declare, insert_profiles  # noqa: E402
from eligibility.rules.evaluate import evaluate_all, explain_all  # noqa: E402
from eligibility.rules.solver import satisfy  # noqa: E402
from eligibility.rules.values import to_json  # noqa: E402

NO_ANSWER: Dict[str, Any] = {"bool": False, "int": 0, "number": 0, "list": [], "enum": "无"}


def _subject_id(kind: str, n: int) -> str:
    if kind == "citizen":
        body = f"44030919880501{n:03d}"
        return body + citizen_check_char(body)
    body = f"91440309MA5K{n:04d}X"
    return body + uscc_check_char(body)


def seed_subject(client: TestClient, bundle_id: str, n: int, declare_rest: bool = True,
                 settle_all: bool = True) -> Dict[str, Any]:
    """A subject for ``bundle_id`` whose data account settles what it can; returns what was chosen."""
    ctx = client.app.state.ctx
    cat = ctx.policies.catalogue
    bundle = ctx.policies.get(bundle_id)
    members = [ctx.policies.get(m) for m in bundle.doc.members]
    best: Optional[Dict[str, Any]] = None
    for kind in ("citizen", "enterprise"):
        applicable = [m for m in members if m.audience == kind and m.handling != "免申即享"]
        values: Dict[str, Any] = {}
        for m in applicable:  # each item in turn, keeping what the earlier ones needed
            trial = satisfy(m.conditions, values)
            if evaluate_all(m.conditions, trial) is True:
                values = trial
        met = [m.id for m in applicable if evaluate_all(m.conditions, values) is True]
        if settle_all:  # the facts that rule out the items it cannot meet (another route to 落户…) are known too
            for m in applicable:
                for _ in range(8):
                    result, outcomes = explain_all(m.conditions, values)
                    leaves = [leaf for o in outcomes for leaf in o.unknown_leaves()]
                    if result is not None or not leaves:
                        break
                    spec = cat.get(leaves[0].field)
                    values[leaves[0].field] = NO_ANSWER.get(spec.kind if spec else "enum", "无")
        if best is None or len(met) > len(best["met"]):
            best = {"kind": kind, "values": values, "met": met, "applicable": [m.id for m in applicable]}
    assert best is not None
    sid = _subject_id(best["kind"], n)
    verified = {k: v for k, v in best["values"].items() if (cat.get(k) and cat.get(k).stored)}  # type: ignore
    declared = {k: v for k, v in best["values"].items() if k not in verified}
    with ctx.db.write() as conn:
        insert_profiles(conn, [{"id": sid, "kind": best["kind"], "name": f"测试{bundle_id}", "sources": {},
                                "values": verified}], cat)
        if declare_rest and declared:
            profile = Profile(sid, best["kind"], f"测试{bundle_id}", verified={}, sources={})
            declare(conn, profile, declared, cat, None, ctx.now())
    return {**best, "id": sid, "verified": sorted(verified), "declared": sorted(declared)}


def count_turns(client: TestClient, bundle_id: str, headers: Dict[str, str], answers: Dict[str, Any]) -> Dict[str, Any]:
    """Turns from "开始办理" to submitted: the checklist, one per open question, the confirmation."""
    cat = client.app.state.ctx.policies.catalogue
    turns = 1
    checklist = client.get(f"/bundles/{bundle_id}/checklist", headers=headers).json()
    asked: List[str] = []
    while checklist.get("next_question"):
        field = checklist["next_question"]["field"]
        if field in asked:
            break
        asked.append(field)
        spec = cat.get(field)
        kind = spec.kind if spec else "enum"
        # what this subject answers; a fact it does not have (an item for another kind of life event, such as
        # another route to 落户) is answered "no" / "none", which settles that item as not met
        value = answers[field] if field in answers else NO_ANSWER.get(kind, "无")
        r = client.post("/profiles/me/fields", json={"fields": {field: to_json(kind, value)}}, headers=headers)
        assert r.status_code == 200, r.text
        turns += 1
        checklist = client.get(f"/bundles/{bundle_id}/checklist", headers=headers).json()
    r = client.post(f"/bundles/{bundle_id}/applications", json={"profile_id": "me"}, headers=headers)
    turns += 1
    body = r.json()
    return {"turns": turns, "questions": len(asked), "status_code": r.status_code,
            "submitted": [i["policy_id"] for i in body.get("items", []) if i.get("kind") == "application"],
            "summary": body.get("summary") or body.get("error", {}).get("code"),
            "items": {i["policy_id"]: i["state"] for i in checklist["items"]}}


def run() -> List[Dict[str, Any]]:
    from eligibility.app import create_app
    from eligibility.settings import Settings
    from tests.eligibility.conftest import TODAY, auth_settings, subject_headers

    out = []
    with tempfile.TemporaryDirectory() as tmp:
        client = TestClient(create_app(Settings(database_url=f"sqlite:///{Path(tmp) / 'b.db'}", today=TODAY,
                                                demo_enterprises=5, demo_citizens=5, **auth_settings(Path(tmp)))))
        ctx = client.app.state.ctx
        bundles = sorted(p.id for p in ctx.policies.policies.values() if p.doc.kind == "bundle")
        for n, bundle_id in enumerate(bundles, 1):
            settled = seed_subject(client, bundle_id, n)
            partial = seed_subject(client, bundle_id, n + 20, settle_all=False)
            first = seed_subject(client, bundle_id, n + 50, declare_rest=False)
            row: Dict[str, Any] = {"bundle": bundle_id, "kind": settled["kind"],
                                   "appliable": settled["applicable"], "met_together": settled["met"]}
            row["settled"] = count_turns(client, bundle_id, subject_headers(client, settled["id"]), {})
            row["partial"] = count_turns(client, bundle_id, subject_headers(client, partial["id"]), {})
            row["first_visit"] = count_turns(client, bundle_id, subject_headers(client, first["id"]),
                                             {k: first["values"][k] for k in first["declared"]})
            out.append(row)
    return out


def main() -> None:
    rows = run()
    print(f"{'bundle':8} {'kind':10} {'turns':>5} {'met-only':>8} {'first visit':>11}  submitted / items")
    for r in rows:
        s, p, f = r["settled"], r["partial"], r["first_visit"]
        print(f"{r['bundle']:8} {r['kind']:10} {s['turns']:>5} {p['turns']:>8} {f['turns']:>11}  "
              f"{s['summary']}; {s['items']}")
    print(json.dumps({r["bundle"]: {"turns": r["settled"]["turns"], "met_only_turns": r["partial"]["turns"],
                                    "first_visit_turns": r["first_visit"]["turns"]} for r in rows}, ensure_ascii=False))


if __name__ == "__main__":
    main()
