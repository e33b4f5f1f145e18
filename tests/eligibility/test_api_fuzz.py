"""Property-based fuzzing: no body, path or query makes the API answer 500; every error is shaped."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from eligibility.app import create_app
from eligibility.profiles.demo import PERSONAS
from eligibility.settings import Settings
from tests.eligibility.conftest import TODAY

CJK = re.compile(r"[\u4e00-\u9fff]")
IDS = [p.id for p in PERSONAS] + ["91350100M000100Y43", "11010519491231002X", "x" * 18, "", "ENT-001"]
KEYS = ["profile_id", "fields", "audience", "category", "window_open", "handling", "policy_id", "idempotency_key",
        "level", "reason", "conversation_id", "application_id", "transcript", "status", "note", "bank",
        "account_number", "account_name", "kind", "role", "text", "annual_revenue_wan", "qualifications"]
scalars = st.one_of(st.none(), st.booleans(), st.integers(-2**70, 2**70), st.floats(allow_nan=True),
                    st.text(max_size=30), st.sampled_from(IDS + ["满意", "不满意", "秒批", "enterprise", "已办结"]))
json_values = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.one_of(st.sampled_from(KEYS), st.text(max_size=8)), inner,
                                                 max_size=5)), max_leaves=15)
bodies = st.one_of(json_values, st.dictionaries(st.sampled_from(KEYS), json_values, max_size=6))
POSTS = ["/match", "/applications", "/ratings", "/tickets", "/profiles/{id}/fields", "/grants/1/confirm"]
PATCHES = ["/tickets/GD1", "/applications/SQ1"]
GETS = ["/policies/{id}", "/profiles/{id}", "/profiles/{id}/applications", "/profiles/{id}/notifications",
        "/applications/{id}", "/tickets/{id}", "/calendar", "/policies", "/tickets"]
PRINTABLE = st.characters(blacklist_categories=("Cc", "Cs"))
CASES = dict(deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])


@pytest.fixture(scope="module")
def demo_client(tmp_path_factory: pytest.TempPathFactory) -> TestClient:
    """Its own seeded account, so that what the fuzzer writes cannot change the journey tests."""
    db = tmp_path_factory.mktemp("fuzz") / "fuzz.db"
    return TestClient(create_app(Settings(database_url=f"sqlite:///{db}", today=TODAY)))


def _shaped(r: Any) -> None:
    assert r.status_code < 500, (r.status_code, r.text[:500])
    if r.status_code >= 400:
        err = r.json()["error"]
        assert err["code"] and re.fullmatch(r"[a-z_]+", err["code"]) and CJK.search(err["message"]), r.text[:300]


@settings(max_examples=400, **CASES)
@given(path=st.sampled_from(POSTS + PATCHES), pid=st.sampled_from(IDS), body=bodies)
def test_json_bodies_never_cause_500(demo_client: TestClient, path: str, pid: str, body: Any) -> None:
    url = path.replace("{id}", pid or "x")
    method = demo_client.patch if path in PATCHES else demo_client.post
    raw = json.dumps(body, allow_nan=True)  # NaN and Infinity too, as lax JSON parsers accept them
    _shaped(method(url, content=raw, headers={"content-type": "application/json"}))


@settings(max_examples=150, **CASES)
@given(path=st.sampled_from(POSTS), raw=st.binary(max_size=200))
def test_malformed_bytes_never_cause_500(demo_client: TestClient, path: str, raw: bytes) -> None:
    _shaped(demo_client.post(path.replace("{id}", IDS[0]), content=raw, headers={"content-type": "application/json"}))


@settings(max_examples=150, **CASES)
@given(path=st.sampled_from(GETS), ident=st.one_of(st.sampled_from(IDS), st.text(PRINTABLE, min_size=1, max_size=40)),
       params=st.dictionaries(st.sampled_from(["month", "open_now", "closing_within_days", "audience", "handling",
                                               "status", "kind", "limit", "offset", "window_open"]),
                              st.text(PRINTABLE, max_size=12), max_size=3))
def test_paths_and_queries_never_cause_500(demo_client: TestClient, path: str, ident: str, params: dict) -> None:
    safe = ident.replace("/", "").replace("?", "").replace("#", "").replace("%", "") or "x"
    _shaped(demo_client.get(path.replace("{id}", safe), params=params))


def test_deep_and_large_bodies_are_refused_politely(demo_client: TestClient) -> None:
    deep = "[" * 100_000 + "]" * 100_000
    _shaped(demo_client.post("/match", content=deep, headers={"content-type": "application/json"}))
    big = demo_client.post("/match", content=b"{" + b" " * 2_000_000 + b"}", headers={"content-type": "application/json"})
    assert big.status_code == 413 and big.json()["error"]["code"] == "body_too_large"
