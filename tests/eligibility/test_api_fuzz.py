"""Property-based fuzzing: no body, path, query or credential makes the API answer 500; every error is shaped.

Each request carries one of the credentials the service knows (none, a subject's token, the action server
bound or unbound, each staff role, forged, expired, garbage). 401 and 403 are answers the API gives on
purpose, so they are accepted where authentication or a role is required, and only there: a public route
never says 401/403 to an anonymous caller, a valid token is never answered 401, and every 401 names the
Bearer scheme (``WWW-Authenticate``)."""

from __future__ import annotations

import json
import re
from typing import Any, Dict

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from eligibility.app import create_app
from eligibility.auth import tokens
from eligibility.profiles.demo import PERSONAS
from eligibility.settings import Settings
from tests.eligibility.conftest import (
    TODAY,
    auth_settings,
    bearer,
    conversation_of,
    service_headers,
    staff_headers,
    subject_headers,
)

CJK = re.compile(r"[\u4e00-\u9fff]")
ELDER = PERSONAS[3].id
IDS = [p.id for p in PERSONAS] + ["91350100M000100Y43", "11010519491231002X", "x" * 18, "", "ENT-001", "me", "1", "2",
                                  "999999"]
KEYS = ["profile_id", "fields", "audience", "category", "window_open", "handling", "policy_id", "idempotency_key",
        "level", "reason", "conversation_id", "application_id", "transcript", "status", "note", "bank",
        "account_number", "account_name", "kind", "role", "text", "annual_revenue_wan", "qualifications", "topic",
        "subject_id", "code", "channel", "username", "password", "assignee", "outcome", "score", "doc_id"]
scalars = st.one_of(st.none(), st.booleans(), st.integers(-2**70, 2**70), st.floats(allow_nan=True),
                    st.text(max_size=30), st.sampled_from(IDS + ["满意", "不满意", "秒批", "enterprise", "已办结", "all",
                                                                 "人才", "operator", "Staff@2026", "123456", "rest"]))
json_values = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.one_of(st.sampled_from(KEYS), st.text(max_size=8)), inner,
                                                 max_size=5)), max_leaves=15)
bodies = st.one_of(json_values, st.dictionaries(st.sampled_from(KEYS), json_values, max_size=6))
POSTS = ["/match", "/applications", "/ratings", "/tickets", "/profiles/{id}/fields", "/grants/{id}/confirm",
         "/subscriptions", "/auth/otp", "/auth/otp/verify", "/auth/login", "/auth/login/web", "/auth/staff/login",
         "/admin/reload", "/bundles/{id}/applications", "/questions",
         # the 12345 console (staff only)
         "/api/console/session", "/api/console/handoffs/{id}/claim", "/api/console/handoffs/{id}/messages",
         "/api/console/handoffs/{id}/release", "/api/console/assist", "/api/console/quick-check",
         "/api/console/work-orders", "/api/console/reviews/{id}"]
PATCHES = ["/tickets/{id}", "/applications/{id}", "/api/console/tickets/{id}"]
GETS = ["/policies/{id}", "/profiles/{id}", "/profiles/{id}/applications", "/profiles/{id}/notifications",
        "/applications/{id}", "/tickets/{id}", "/calendar", "/policies", "/tickets", "/health", "/subscriptions",
        "/subscriptions/{id}/due", "/auth/binding", "/auth/login/{id}", "/auth/oidc/callback", "/me/data", "/outbox",
        "/audit", "/bundles/{id}/checklist", "/bundles/submissions/{id}",
        "/api/console/session", "/api/console/handoffs", "/api/console/handoffs/{id}", "/api/console/work-orders/draft",
        "/api/console/tickets", "/api/console/tickets/{id}", "/api/console/reviews", "/api/console/gaps",
        "/api/console/gaps.csv"]
DELETES = ["/subscriptions/{id}", "/auth/binding", "/me/data", "/auth/conversation", "/api/console/session"]
# no credential needed; 401 from these only where they check a password or a provider's answer
PUBLIC = {("GET", "/health"), ("GET", "/policies"), ("GET", "/policies/{id}"), ("GET", "/calendar"),
          ("POST", "/auth/staff/login"), ("POST", "/auth/login/web"), ("GET", "/auth/login/{id}"),
          ("GET", "/auth/oidc/callback"), ("POST", "/api/console/session")}
AUTHENTICATING = {"/auth/staff/login", "/auth/oidc/callback", "/api/console/session"}
VALID = ("subject", "service_bound", "service_unbound", "operator", "reviewer", "admin")
CREDENTIALS = ("none", *VALID, "forged", "expired", "garbage")
PRINTABLE = st.characters(blacklist_categories=("Cc", "Cs"))
CASES = dict(deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])


@pytest.fixture(scope="module")
def demo_client(tmp_path_factory: pytest.TempPathFactory) -> TestClient:
    """Its own seeded account, so that what the fuzzer writes cannot change the journey tests."""
    tmp = tmp_path_factory.mktemp("fuzz")
    return TestClient(create_app(Settings(database_url=f"sqlite:///{tmp / 'fuzz.db'}", today=TODAY, **auth_settings(tmp))))


@pytest.fixture(scope="module")
def credentials(demo_client: TestClient) -> Dict[str, Dict[str, str]]:
    ctx = demo_client.app.state.ctx
    return {
        "none": {},
        "subject": subject_headers(demo_client, ELDER),  # bound through the real OTP flow
        "service_bound": service_headers(conversation_of(ELDER)),
        "service_unbound": service_headers("fuzz-unbound"),
        **{role: staff_headers(demo_client, role) for role in ("operator", "reviewer", "admin")},
        "forged": bearer(tokens.issue("not-the-service-secret-but-long-enough!", "subject", ELDER, 30, ctx.clock())),
        "expired": bearer(tokens.issue(ctx.token_secret, "subject", ELDER, -5, ctx.clock())),
        "garbage": {"Authorization": "Bearer not.a.token"},
    }


def _shaped(r: Any, method: str, template: str, credential: str) -> None:
    error = r.json().get("error") if r.status_code >= 400 and r.headers.get("content-type", "").startswith(
        "application/json") else None
    # the one 5xx on purpose: 统一身份认证 unreachable (nothing listens at the configured issuer in tests)
    provider_down = r.status_code == 503 and error is not None and error.get("code") == "oidc_unavailable"
    assert r.status_code < 500 or provider_down, (r.status_code, r.text[:500])
    if r.status_code >= 400:
        assert error is not None, r.text[:300]
        assert error["code"] and re.fullmatch(r"[a-z_]+", error["code"]) and CJK.search(error["message"]), r.text[:300]
    if r.status_code == 401:
        assert r.headers.get("www-authenticate", "").startswith("Bearer"), r.headers
        assert credential not in VALID or template in AUTHENTICATING, (credential, method, template, r.text[:300])
    if (method, template) in PUBLIC and credential == "none":
        assert r.status_code != 403 and (r.status_code != 401 or template in AUTHENTICATING), (template, r.text[:300])


def _url(template: str, ident: str) -> str:
    return template.replace("{id}", ident or "x")


def test_every_route_is_fuzzed(demo_client: TestClient) -> None:
    fuzzed = {("POST", p) for p in POSTS} | {("PATCH", p) for p in PATCHES} | {("GET", p) for p in GETS} | {
        ("DELETE", p) for p in DELETES}
    for route in demo_client.app.routes:
        if not isinstance(route, APIRoute) or not route.include_in_schema:
            continue
        for method in route.methods:
            assert (method, re.sub(r"\{[^}]+\}", "{id}", route.path)) in fuzzed, (method, route.path)


@settings(max_examples=400, **CASES)
@given(path=st.sampled_from(POSTS + PATCHES), pid=st.sampled_from(IDS), body=bodies,
       credential=st.sampled_from(CREDENTIALS))
def test_json_bodies_never_cause_500(demo_client: TestClient, credentials: Dict[str, Dict[str, str]], path: str,
                                     pid: str, body: Any, credential: str) -> None:
    method = "PATCH" if path in PATCHES else "POST"
    raw = json.dumps(body, allow_nan=True)  # NaN and Infinity too, as lax JSON parsers accept them
    r = demo_client.request(method, _url(path, pid), content=raw,
                            headers={"content-type": "application/json", **credentials[credential]})
    _shaped(r, method, path, credential)


@settings(max_examples=150, **CASES)
@given(path=st.sampled_from(POSTS), raw=st.binary(max_size=200), credential=st.sampled_from(CREDENTIALS))
def test_malformed_bytes_never_cause_500(demo_client: TestClient, credentials: Dict[str, Dict[str, str]], path: str,
                                         raw: bytes, credential: str) -> None:
    r = demo_client.post(_url(path, IDS[0]), content=raw,
                         headers={"content-type": "application/json", **credentials[credential]})
    _shaped(r, "POST", path, credential)


@settings(max_examples=200, **CASES)
@given(path=st.sampled_from(GETS + DELETES), ident=st.one_of(st.sampled_from(IDS), st.text(PRINTABLE, min_size=1, max_size=40)),
       params=st.dictionaries(st.sampled_from(["month", "open_now", "closing_within_days", "audience", "handling",
                                               "status", "kind", "limit", "offset", "window_open", "conversation_id",
                                               "within_days", "purpose", "action", "state", "code", "error"]),
                              st.text(PRINTABLE, max_size=12), max_size=3),
       credential=st.sampled_from(CREDENTIALS), delete=st.booleans())
def test_paths_and_queries_never_cause_500(demo_client: TestClient, credentials: Dict[str, Dict[str, str]], path: str,
                                           ident: str, params: dict, credential: str, delete: bool) -> None:
    method = "DELETE" if path in DELETES and (delete or path not in GETS) else "GET"
    safe = ident.replace("/", "").replace("?", "").replace("#", "").replace("%", "") or "x"
    r = demo_client.request(method, _url(path, safe), params=params, headers=credentials[credential])
    _shaped(r, method, path, credential)


@settings(max_examples=100, **CASES)
@given(header=st.one_of(st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=300),
                        st.text(st.characters(min_codepoint=33, max_codepoint=126), max_size=300).map("Bearer {}".format)),
       path=st.sampled_from(["/profiles/me", "/me/data", "/tickets", "/match", "/outbox"]))
def test_any_authorization_header_is_a_shaped_401(demo_client: TestClient, header: str, path: str) -> None:
    method = "POST" if path == "/match" else "GET"
    r = demo_client.request(method, path, headers={"Authorization": header},
                            json={"profile_id": "me"} if method == "POST" else None)
    if not header.strip():
        _shaped(r, method, path, "none")
        return
    assert r.status_code == 401, (header, r.status_code, r.text[:300])
    _shaped(r, method, path, "garbage")


def test_deep_and_large_bodies_are_refused_politely(demo_client: TestClient) -> None:
    deep = "[" * 100_000 + "]" * 100_000
    r = demo_client.post("/match", content=deep, headers={"content-type": "application/json"})
    _shaped(r, "POST", "/match", "none")
    big = demo_client.post("/match", content=b"{" + b" " * 2_000_000 + b"}", headers={"content-type": "application/json"})
    assert big.status_code == 413 and big.json()["error"]["code"] == "body_too_large"
