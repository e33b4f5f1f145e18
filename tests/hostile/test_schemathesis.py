"""Schemathesis over every OpenAPI of the project: no generated request makes a service answer 500.

Two FastAPI services describe themselves: the eligibility service (``/openapi.json``) and the local
统一身份认证 provider (``idp/``, which publishes no document — ``openapi_url=None`` — so its schema is taken
from the app object, ``app.openapi()``). Rasa's HTTP API and the action server (Sanic) publish none; the
hostile-input corpus covers them (tests/hostile/test_hostile.py, tests/e2e/test_hostile.py).

Each case is sent in-process (ASGI) with schemathesis' generated path, query, headers and body, once per
credential (none, the action server bound to a conversation, an administrator), and checked with
``not_a_server_error`` only: 4xx answers are the API refusing bad input on purpose, and their shape is
checked by tests/eligibility/test_api_fuzz.py. The one 5xx on purpose (``oidc_unavailable``: nothing listens
at the configured provider in tests) is accepted with its code.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Dict

import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings

from eligibility.app import create_app as create_eligibility
from eligibility.profiles.demo import PERSONAS
from eligibility.settings import Settings as EligibilitySettings
from idp.app import create_app as create_idp
from idp.settings import Settings as IdpSettings
from tests.eligibility.conftest import TODAY, auth_settings, conversation_of, service_headers, staff_headers

CASES = settings(max_examples=25, deadline=None, derandomize=True,
                 suppress_health_check=list(HealthCheck))


def _schema(app: FastAPI) -> Any:
    schema = schemathesis.openapi.from_dict(app.openapi())
    schema.app = app  # calls go to the app in-process
    return schema


def _no_500(response: Any, allowed_codes: tuple = ()) -> None:
    if response.status_code < 500:
        return
    try:
        code = (response.json().get("error") or {}).get("code")
    except Exception:  # noqa: BLE001 - not JSON: certainly not an answer on purpose
        code = None
    assert code in allowed_codes, (response.status_code, response.request.method, response.request.url,
                                   response.text[:300])


_ELIGIBILITY_TMP = Path(__import__("tempfile").mkdtemp(prefix="schemathesis-eligibility-"))
ELIGIBILITY = create_eligibility(EligibilitySettings(database_url=f"sqlite:///{_ELIGIBILITY_TMP / 'st.db'}", today=TODAY,
                                                     **auth_settings(_ELIGIBILITY_TMP)))
_IDP_TMP = Path(__import__("tempfile").mkdtemp(prefix="schemathesis-idp-"))
IDP = create_idp(IdpSettings(key_path=_IDP_TMP / "signing-key.pem"))
eligibility_schema = _schema(ELIGIBILITY)
idp_schema = _schema(IDP)


@pytest.fixture(scope="module")
def search_index() -> None:
    """The console's assist route reads the project's index (var/index): built here if stale, as `make run` does
    (the end-to-end tests, which used to build it first, run last now)."""
    from index_builder.cli import main as build_index

    assert build_index([]) == 0


@pytest.fixture(scope="module")
def eligibility_credentials(search_index: None) -> Dict[str, Dict[str, str]]:
    client = TestClient(ELIGIBILITY)
    return {"none": {}, "service_bound": service_headers(conversation_of(PERSONAS[3].id)),
            "admin": staff_headers(client, "admin")}


def test_both_schemas_are_fuzzed_whole() -> None:
    """Every operation of both documents is generated (a route left out of the schema would be missed)."""
    labels = {op.ok().label for op in eligibility_schema.get_all_operations()}
    assert {"POST /match", "POST /applications", "POST /auth/otp", "GET /api/console/gaps"} <= labels, labels
    assert len(labels) >= 40
    idp_labels = {op.ok().label for op in idp_schema.get_all_operations()}
    assert {"GET /authorize", "POST /authorize", "POST /token", "GET /userinfo"} <= idp_labels


@eligibility_schema.parametrize()
@CASES
def test_eligibility_api_never_answers_500(case: Any, eligibility_credentials: Dict[str, Dict[str, str]]) -> None:
    for headers in eligibility_credentials.values():
        response = case.call(headers={**(case.headers or {}), **headers})
        _no_500(response, allowed_codes=("oidc_unavailable",))


@idp_schema.parametrize()
@CASES
def test_identity_provider_never_answers_500(case: Any) -> None:
    _no_500(case.call())
