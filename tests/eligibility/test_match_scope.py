"""Matching restricted to named policies: the bot walks one policy's conditions and asks only what
that policy still needs."""

from __future__ import annotations

from fastapi.testclient import TestClient

from eligibility.profiles.demo import PERSONAS
from tests.eligibility.conftest import service_headers, subject_headers

HIGH_TECH, GRANTEE, NEEDS_INFO, ELDER, GRADUATE = (p.id for p in PERSONAS)


def test_scope_returns_only_the_named_policies_and_their_question(demo_client: TestClient) -> None:
    me = subject_headers(demo_client, NEEDS_INFO)
    everything = demo_client.post("/match", json={"profile_id": NEEDS_INFO}, headers=me).json()
    pending = [r["policy_id"] for r in everything["results"] if r["status"] == "needs_information"]
    target = pending[-1]
    scoped = demo_client.post("/match", json={"profile_id": NEEDS_INFO, "policy_ids": [target]}, headers=me).json()
    assert [r["policy_id"] for r in scoped["results"]] == [target]
    question = scoped["next_question"]
    assert question is not None and question["policies"] == [target]


def test_unknown_policy_in_scope_is_a_clear_404(demo_client: TestClient) -> None:
    resp = demo_client.post("/match", json={"profile_id": NEEDS_INFO, "policy_ids": ["ENT-999"]},
                            headers=subject_headers(demo_client, NEEDS_INFO))
    assert resp.status_code == 404 and resp.json()["error"]["code"] == "policy_not_found"
    # an unbound conversation is refused before anything about the policies is said
    unbound = demo_client.post("/match", json={"profile_id": "me", "policy_ids": ["ENT-999"]},
                               headers=service_headers("conv-scope-unbound"))
    assert unbound.status_code == 403 and unbound.json()["error"]["code"] == "not_bound"
