"""一件事一次办 through the API: the checklist for one's own data account, one submission creating the
linked applications in one transaction (idempotent, resumed per subject and bundle), per-item and whole
status, the audit log; and the turn count of every bundle for a subject whose data account settles it."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Dict

import pytest
from fastapi.testclient import TestClient

from bench.bundle_turns import run as bundle_turns
from bench.bundle_turns import seed_subject
from eligibility.app import create_app
from eligibility.settings import Settings
from tests.eligibility.conftest import TODAY, auth_settings, service_headers, staff_headers, subject_headers

BABY = "BUN-002"


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> TestClient:
    tmp = tmp_path_factory.mktemp("bundles")
    return TestClient(create_app(Settings(database_url=f"sqlite:///{tmp / 'b.db'}", today=TODAY,
                                          demo_enterprises=10, demo_citizens=10, **auth_settings(Path(tmp)))))


def _audit(client: TestClient, action: str) -> Any:
    return client.get("/audit", params={"action": action}, headers=staff_headers(client, "admin")).json()["entries"]


def test_checklist_asks_one_plain_question_at_a_time_and_submits_once(client: TestClient) -> None:
    made = seed_subject(client, BABY, 1, declare_rest=False)  # verified data only: questions left
    me = subject_headers(client, made["id"])
    first = client.get(f"/bundles/{BABY}/checklist", headers=me)
    assert first.status_code == 200, first.text
    body = first.json()
    assert [i["policy_id"] for i in body["items"]] == ["CIT-021", "CIT-018", "CIT-020", "CIT-019"]
    assert body["next_question"] and body["next_question"]["question"].startswith("请问")
    assert body["form"]["total"] >= len(body["questions"]) and body["submission"] is None
    assert {"居民身份证"} <= {lic["type"] for lic in body["licences"]}
    # the user answers each question in turn; the next one comes from the service
    asked = []
    while body["next_question"]:
        field = body["next_question"]["field"]
        assert field not in asked
        asked.append(field)
        spec = client.app.state.ctx.policies.catalogue.get(field)
        from eligibility.rules.values import to_json

        r = client.post("/profiles/me/fields", json={"fields": {field: to_json(spec.kind, made["values"][field])}},
                        headers=me)
        assert r.status_code == 200, r.text
        body = client.get(f"/bundles/{BABY}/checklist", headers=me).json()
    assert body["ready"] == ["CIT-021", "CIT-018", "CIT-020", "CIT-019"] and body["can_submit"]
    assert all(i["settled"] for i in body["items"] if i["policy_id"] != "CIT-018")
    key = {"Idempotency-Key": "bundle-test-0001"}
    sub = client.post(f"/bundles/{BABY}/applications", json={"profile_id": "me"}, headers={**me, **key})
    assert sub.status_code == 201, sub.text
    done = sub.json()
    assert done["total"] == 4 and done["summary"] == "4 项中 0 项已办结"
    assert len({i["application_id"] for i in done["items"]}) == 4
    again = client.post(f"/bundles/{BABY}/applications", json={"profile_id": "me"}, headers={**me, **key})
    assert again.status_code == 200 and again.headers["Idempotent-Replayed"] == "true"
    assert again.json()["items"] == done["items"]
    # another conversation later (another key): nothing new to submit, the same submission
    later = client.post(f"/bundles/{BABY}/applications", json={"profile_id": "me"}, headers=me)
    assert later.status_code == 200 and later.json()["id"] == done["id"]
    resumed = client.get(f"/bundles/{BABY}/checklist", headers=me).json()
    assert resumed["submission"]["id"] == done["id"] and not resumed["ready"]
    assert {i["state"] for i in resumed["items"]} == {"applied"}
    # a reviewer approves three: the whole is reported
    reviewer = staff_headers(client, "reviewer")
    for item in done["items"][:3]:
        r = client.patch(f"/applications/{item['application_id']}", json={"status": "approved"}, headers=reviewer)
        assert r.status_code == 200, r.text
    status = client.get(f"/bundles/submissions/{done['id']}", headers=me).json()
    assert status["summary"] == "4 项中 3 项已办结" and [i["done"] for i in status["items"]] == [True, True, True, False]
    entries = _audit(client, "bundle.submit")
    assert any(e["target_id"] == done["id"] for e in entries)
    assert made["id"] not in str(entries)


def test_someone_elses_bundle_is_refused_before_any_lookup(client: TestClient) -> None:
    a = seed_subject(client, BABY, 2)
    b = seed_subject(client, BABY, 3)
    me_b = subject_headers(client, b["id"])
    sub = client.post(f"/bundles/{BABY}/applications", json={"profile_id": "me"}, headers=me_b).json()
    me_a = subject_headers(client, a["id"])
    assert client.get(f"/bundles/{BABY}/checklist", params={"profile_id": b["id"]}, headers=me_a).status_code == 403
    assert client.post(f"/bundles/{BABY}/applications", json={"profile_id": b["id"]}, headers=me_a).status_code == 403
    assert client.get(f"/bundles/submissions/{sub['id']}", headers=me_a).status_code == 403
    assert client.get("/bundles/submissions/YJ20261127NOSUCH0000", headers=me_a).status_code == 403
    assert client.get(f"/bundles/{BABY}/checklist", headers=service_headers("nobody-bound")).status_code == 403
    assert client.get("/bundles/BUN-999/checklist", headers=me_a).status_code == 404
    assert client.get(f"/bundles/{BABY}/checklist").status_code == 401


def test_an_enterprise_bundle_reports_free_and_other_audience_items(client: TestClient) -> None:
    made = seed_subject(client, "BUN-004", 4)
    me = subject_headers(client, made["id"])
    items: Dict[str, Any] = {i["policy_id"]: i for i in client.get("/bundles/BUN-004/checklist", headers=me).json()["items"]}
    assert {k for k, i in items.items() if i["state"] == "no_application"} == {"CIT-048", "ENT-087", "CIT-049"}
    sub = client.post("/bundles/BUN-004/applications", json={"profile_id": "me"}, headers=me).json()
    assert {i["policy_id"] for i in sub["items"]} == {"ENT-026", "ENT-088"}


def test_every_bundle_is_submitted_within_four_turns_when_the_data_account_settles_it() -> None:
    rows = bundle_turns()
    assert len(rows) == 7
    for row in rows:
        assert row["settled"]["turns"] <= 4, row
        assert row["settled"]["status_code"] == 201 and row["settled"]["submitted"], row
