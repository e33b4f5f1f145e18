"""The compact match (view=compact): what a conversation turn says, taken from the same match as the full
view — the counts, the next question, every eligible policy in brief, the conditions of the few shown as
cards — with the same authorization."""

from __future__ import annotations

import json
from typing import Any, Dict, List

from fastapi.testclient import TestClient

from eligibility.profiles.demo import PERSONAS
from eligibility.services.matching import BRIEF_KEYS, COMPACT_PENDING, amount_wan
from tests.eligibility.conftest import conversation_of, service_headers, subject_headers

HIGH_TECH, GRANTEE, NEEDS_INFO, ELDER, GRADUATE = (p.id for p in PERSONAS)


def _by_amount(results: List[Dict[str, Any]], status: str) -> List[Dict[str, Any]]:
    return sorted((r for r in results if r["status"] == status), key=amount_wan, reverse=True)


def test_compact_is_the_full_match_said_briefly(demo_client: TestClient) -> None:
    subject_headers(demo_client, HIGH_TECH)  # binds the company's conversation
    me = service_headers(conversation_of(HIGH_TECH))  # the action server, for that conversation
    full = demo_client.post("/match", json={"profile_id": "me"}, headers=me)
    small = demo_client.post("/match", json={"profile_id": "me", "view": "compact", "shown": 2}, headers=me)
    assert full.status_code == small.status_code == 200, small.text
    f, c = full.json(), small.json()
    assert c["view"] == "compact" and c["subject"] == f["subject"] and c["ruleset_version"] == f["ruleset_version"]
    assert c["summary"] == f["summary"] and c["next_question"] == f["next_question"]
    eligible = _by_amount(f["results"], "eligible")
    assert len(eligible) >= 3, "the demo company qualifies for several policies"
    # every eligible policy, largest benefit first, in brief: no conditions
    assert [r["policy_id"] for r in c["eligible"]] == [r["policy_id"] for r in eligible]
    assert all(set(r) == set(BRIEF_KEYS) for r in c["eligible"])
    assert c["eligible"][0] == {k: eligible[0][k] for k in BRIEF_KEYS}
    # the conditions of the cards: the first `shown` eligible, then a few still open, exactly as in the full view
    pending = _by_amount(f["results"], "needs_information")[:COMPACT_PENDING]
    assert c["results"] == eligible[:2] + pending
    assert len(small.content) * 5 < len(full.content), (len(small.content), len(full.content))


def test_anonymous_compact_answer_is_small_and_asks_the_same_question(demo_client: TestClient) -> None:
    body: Dict[str, Any] = {"fields": {"registered_district": "龙华区"}}
    full = demo_client.post("/match", json=body).json()
    small = demo_client.post("/match", json={**body, "view": "compact"})
    assert small.status_code == 200, small.text
    c = small.json()
    assert c["next_question"] == full["next_question"] and c["summary"] == full["summary"]
    assert [r["policy_id"] for r in c["results"]] == [
        r["policy_id"] for r in _by_amount(full["results"], "eligible")[:5]
        + _by_amount(full["results"], "needs_information")[:COMPACT_PENDING]]
    assert len(json.dumps(c, ensure_ascii=False).encode()) < 20_000  # the full answer is about 180 KB


def test_a_scoped_compact_match_keeps_that_policys_conditions(demo_client: TestClient) -> None:
    me = subject_headers(demo_client, NEEDS_INFO)
    everything = demo_client.post("/match", json={"profile_id": NEEDS_INFO}, headers=me).json()
    target = [r for r in everything["results"] if r["status"] == "needs_information"][-1]
    scoped = demo_client.post("/match", json={"profile_id": NEEDS_INFO, "policy_ids": [target["policy_id"]],
                                              "view": "compact"}, headers=me).json()
    assert scoped["results"] == [target]
    assert scoped["next_question"]["policies"] == [target["policy_id"]]


def test_compact_asks_nothing_new_of_authorization(demo_client: TestClient) -> None:
    """Same route, same checks: an unbound conversation gets nothing, nor does a stranger's identifier."""
    unbound = demo_client.post("/match", json={"profile_id": "me", "view": "compact"},
                               headers=service_headers("conv-compact-unbound"))
    assert unbound.status_code == 403 and unbound.json()["error"]["code"] == "not_bound"
    stranger = demo_client.post("/match", json={"profile_id": HIGH_TECH, "view": "compact"},
                                headers=subject_headers(demo_client, ELDER))
    assert stranger.status_code == 403
    anonymous = demo_client.post("/match", json={"profile_id": HIGH_TECH, "view": "compact"})
    assert anonymous.status_code in (401, 403)


def test_view_and_shown_are_checked(demo_client: TestClient) -> None:
    for bad in ({"view": "everything"}, {"view": "compact", "shown": -1}, {"view": "compact", "shown": 51}):
        r = demo_client.post("/match", json={"fields": {}, **bad})
        assert r.status_code == 422, (bad, r.text)
