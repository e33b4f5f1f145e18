"""The development identity provider: discovery, JWKS, the code flow with PKCE, and every refusal."""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import re
import secrets
import stat
import time
from pathlib import Path
from typing import Any, Dict, Iterator, Optional, Tuple
from urllib.parse import parse_qs, urlencode, urlsplit

import jwt
import pytest
import yaml
from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from httpx import Response

from eligibility.profiles.ids import citizen_problem, uscc_problem
from idp.app import create_app
from idp.pages import LOCKED, WRONG_CREDENTIALS
from idp.settings import DEV_CLIENT_SECRET, ROOT, Settings

ISSUER = "http://127.0.0.1:8300"
CLIENT_ID = "zhengcetong"
REDIRECT = "http://127.0.0.1:8000/auth/oidc/callback"
PASSWORD = "Demo@2026"
CHEN = "440309194803150023"  # 陈桂兰
LI = "430102200206110032"  # 李思涵
HUAXIN = "91440309MA5H2KQ3XC"  # 深圳市华芯智云科技有限公司
PENGCHENG = "91440307MA5G8TLW2D"
LONGTENG = "91440309MA5J6RPD7R"
NO_DATA = "440104199105120134"  # 周文博: logged in, in no data account


class Clock:
    def __init__(self) -> None:
        self.t = time.time()

    def __call__(self) -> float:
        return self.t

    def advance(self, seconds: float) -> None:
        self.t += seconds


@pytest.fixture()
def clock() -> Clock:
    return Clock()


@pytest.fixture(scope="module")
def key_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One key for the module: generating RSA keys is the slow part of starting a provider."""
    return tmp_path_factory.mktemp("idp-keys") / "keys" / "signing-key.pem"


@pytest.fixture()
def client(key_path: Path, clock: Clock) -> Iterator[TestClient]:
    app = create_app(Settings(key_path=key_path), now=clock)
    with TestClient(app, follow_redirects=False) as c:
        yield c


def pkce() -> Tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


def auth_params(challenge: str, **overrides: Optional[str]) -> Dict[str, str]:
    params: Dict[str, Optional[str]] = {
        "response_type": "code", "client_id": CLIENT_ID, "redirect_uri": REDIRECT, "scope": "openid profile",
        "state": "state-123", "nonce": "nonce-456", "code_challenge": challenge, "code_challenge_method": "S256"}
    params.update(overrides)
    return {k: v for k, v in params.items() if v is not None}


def pending_id(page: Response) -> str:
    m = re.search(r'name="pending" value="([^"]+)"', page.text)
    assert m, page.text
    return m.group(1)


def error_text(page: Response) -> Optional[str]:
    m = re.search(r'<p class="error" role="alert">([^<]*)</p>', page.text)
    return m.group(1) if m else None


def open_login(client: TestClient, challenge: str, **overrides: Optional[str]) -> str:
    page = client.get("/authorize", params=auth_params(challenge, **overrides))
    assert page.status_code == 200, page.text
    return pending_id(page)


def submit(client: TestClient, pending: str, identifier: str, password: str = PASSWORD,
           action: str = "login") -> Response:
    return client.post("/authorize", data={"pending": pending, "identifier": identifier, "password": password,
                                           "action": action})


def login_code(client: TestClient, identifier: str, challenge: str, **overrides: Optional[str]) -> str:
    response = submit(client, open_login(client, challenge, **overrides), identifier)
    assert response.status_code == 302, response.text
    location = urlsplit(response.headers["location"])
    query = parse_qs(location.query)
    assert f"{location.scheme}://{location.netloc}{location.path}" == (overrides.get("redirect_uri") or REDIRECT)
    assert query["state"] == ["state-123"]
    return query["code"][0]


def basic(client_id: str = CLIENT_ID, secret: str = DEV_CLIENT_SECRET) -> Dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()}


def redeem(client: TestClient, code: str, verifier: str, redirect_uri: str = REDIRECT,
           headers: Optional[Dict[str, str]] = None, **extra: str) -> Response:
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri, "code_verifier": verifier,
            **extra}
    return client.post("/token", data=form, headers=basic() if headers is None else headers)


def verify(client: TestClient, id_token: str) -> Dict[str, Any]:
    """The ID token checked the way any relying party would: PyJWT, RS256, the key the JWKS publishes."""
    keys = jwt.PyJWKSet.from_dict(client.get("/jwks.json").json())
    kid = jwt.get_unverified_header(id_token)["kid"]
    key = next(k for k in keys.keys if k.key_id == kid)
    return jwt.decode(id_token, key.key, algorithms=["RS256"], audience=CLIENT_ID, issuer=ISSUER,
                      options={"require": ["exp", "iat", "sub", "aud", "iss", "nonce"]})


def full_flow(client: TestClient, identifier: str) -> Dict[str, Any]:
    verifier, challenge = pkce()
    response = redeem(client, login_code(client, identifier, challenge), verifier)
    assert response.status_code == 200, response.text
    return dict(response.json())


# discovery and keys

def test_discovery_document(client: TestClient) -> None:
    doc = client.get("/.well-known/openid-configuration").json()
    assert doc["issuer"] == ISSUER
    for name, path in (("authorization_endpoint", "/authorize"), ("token_endpoint", "/token"),
                       ("jwks_uri", "/jwks.json"), ("userinfo_endpoint", "/userinfo")):
        assert doc[name] == ISSUER + path
    assert doc["response_types_supported"] == ["code"]
    assert doc["subject_types_supported"] in (["public"], ["pairwise"])
    assert doc["id_token_signing_alg_values_supported"] == ["RS256"]
    assert set(doc["token_endpoint_auth_methods_supported"]) == {"client_secret_post", "client_secret_basic"}
    assert doc["code_challenge_methods_supported"] == ["S256"]
    assert {"sub", "name", "subject_type", "id_number", "uscc", "nonce", "acr"} <= set(doc["claims_supported"])


def test_jwks_publishes_the_rsa_key_with_its_rfc7638_thumbprint(client: TestClient, key_path: Path) -> None:
    (key,) = client.get("/jwks.json").json()["keys"]
    assert (key["kty"], key["use"], key["alg"]) == ("RSA", "sig", "RS256")
    assert set(key) == {"kty", "use", "alg", "kid", "n", "e"}  # public members only
    n = base64.urlsafe_b64decode(key["n"] + "=" * (-len(key["n"]) % 4))
    assert len(n) * 8 == 2048
    canonical = json.dumps({"e": key["e"], "kty": "RSA", "n": key["n"]}, separators=(",", ":"), sort_keys=True)
    thumbprint = base64.urlsafe_b64encode(hashlib.sha256(canonical.encode()).digest()).rstrip(b"=").decode()
    assert key["kid"] == thumbprint
    assert stat.S_IMODE(key_path.stat().st_mode) == 0o600
    assert b"PRIVATE KEY" in key_path.read_bytes()


def test_the_key_survives_a_restart_and_another_path_gets_another(key_path: Path, tmp_path: Path) -> None:
    def kid(path: Path) -> str:
        with TestClient(create_app(Settings(key_path=path))) as c:
            return str(c.get("/jwks.json").json()["keys"][0]["kid"])

    first = kid(key_path)
    assert kid(key_path) == first
    assert kid(tmp_path / "other.pem") != first


# the code flow

def test_code_flow_for_a_citizen(client: TestClient, clock: Clock) -> None:
    verifier, challenge = pkce()
    code = login_code(client, CHEN, challenge)
    assert len(code) >= 43
    response = redeem(client, code, verifier)
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert body["token_type"] == "Bearer" and body["expires_in"] == 600 and body["scope"] == "openid profile"
    assert jwt.get_unverified_header(body["id_token"])["kid"] == client.get("/jwks.json").json()["keys"][0]["kid"]
    claims = verify(client, body["id_token"])
    assert claims["aud"] == CLIENT_ID and claims["nonce"] == "nonce-456" and claims["acr"] == "urn:sz:gov:loa:2"
    assert claims["exp"] - claims["iat"] == 600 and claims["iat"] == int(clock.t)
    assert claims["auth_time"] == int(clock.t)
    assert (claims["subject_type"], claims["id_number"], claims["name"]) == ("natural_person", CHEN, "陈桂兰")
    assert "uscc" not in claims
    assert CHEN not in claims["sub"] and claims["sub"]
    # the same person logging in again gets the same sub
    assert verify(client, full_flow(client, CHEN)["id_token"])["sub"] == claims["sub"]
    assert verify(client, full_flow(client, LI)["id_token"])["sub"] != claims["sub"]


def test_code_flow_for_a_legal_person_with_client_secret_post(client: TestClient) -> None:
    verifier, challenge = pkce()
    code = login_code(client, HUAXIN, challenge)
    response = redeem(client, code, verifier, headers={}, client_id=CLIENT_ID, client_secret=DEV_CLIENT_SECRET)
    assert response.status_code == 200, response.text
    claims = verify(client, response.json()["id_token"])
    assert claims["subject_type"] == "legal_person"
    assert claims["uscc"] == HUAXIN and claims["name"] == "深圳市华芯智云科技有限公司"
    assert "id_number" not in claims and HUAXIN not in claims["sub"]


def test_identifiers_are_read_as_typed_on_a_phone(client: TestClient) -> None:
    """Lower-case letters, full-width characters and stray spaces are the same identifier."""
    _, challenge = pkce()
    assert login_code(client, " ９１４４０３０９ma5h2kq3xc ", challenge)


def test_the_demo_accounts(client: TestClient) -> None:
    data = yaml.safe_load((ROOT / "idp" / "accounts.yaml").read_text(encoding="utf-8"))
    rows = data["accounts"]
    ids = {r.get("id_number") or r.get("uscc"): r for r in rows}
    assert {CHEN, LI, HUAXIN, PENGCHENG, LONGTENG, NO_DATA} <= set(ids)
    hasher = PasswordHasher()
    for row in rows:
        assert row["password_hash"].startswith("$argon2id$")
        assert hasher.verify(row["password_hash"], PASSWORD)
        assert "password" not in row
        if row["subject_type"] == "natural_person":
            assert citizen_problem(row["id_number"]) is None
        else:
            assert uscc_problem(row["uscc"]) is None
    for identifier in (LI, PENGCHENG, LONGTENG, NO_DATA):
        assert full_flow(client, identifier)["id_token"]


# wrong passwords and lockout

def test_wrong_password_and_unknown_account_read_the_same(client: TestClient) -> None:
    _, challenge = pkce()
    pending = open_login(client, challenge)
    wrong = submit(client, pending, CHEN, "not-the-password")
    unknown = submit(client, pending, "110101199003070011", PASSWORD)
    assert wrong.status_code == unknown.status_code == 200
    assert "location" not in wrong.headers and "location" not in unknown.headers
    assert error_text(wrong) == error_text(unknown) == WRONG_CREDENTIALS
    assert "证件号码或密码不正确" in WRONG_CREDENTIALS
    # apart from the number echoed back in the field, the pages are identical
    assert wrong.text.replace(CHEN, "X") == unknown.text.replace("110101199003070011", "X")
    # the pending login survives a wrong password
    assert submit(client, pending, CHEN).status_code == 302


def test_five_failures_lock_the_account_for_fifteen_minutes(client: TestClient, clock: Clock) -> None:
    _, challenge = pkce()
    pending = open_login(client, challenge)
    for _ in range(4):
        assert error_text(submit(client, pending, LI, "wrong")) == WRONG_CREDENTIALS
    fifth = submit(client, pending, LI, "wrong")
    assert error_text(fifth) == LOCKED
    locked = submit(client, pending, LI)  # the right password does not open a locked account
    assert locked.status_code == 429 and "location" not in locked.headers and error_text(locked) == LOCKED
    assert submit(client, open_login(client, challenge), CHEN).status_code == 302  # others are not locked
    clock.advance(14 * 60)
    assert error_text(submit(client, open_login(client, challenge), LI)) == LOCKED
    clock.advance(61)
    assert submit(client, open_login(client, challenge), LI).status_code == 302


def test_an_unknown_account_locks_like_a_known_one(client: TestClient) -> None:
    _, challenge = pkce()
    pending = open_login(client, challenge)
    texts = [error_text(submit(client, pending, "110101199003070011", "x")) for _ in range(6)]
    assert texts == [WRONG_CREDENTIALS] * 4 + [LOCKED] * 2


def test_a_success_clears_earlier_failures(client: TestClient) -> None:
    _, challenge = pkce()
    for _ in range(4):
        assert error_text(submit(client, open_login(client, challenge), CHEN, "wrong")) == WRONG_CREDENTIALS
    login_code(client, CHEN, challenge)
    for _ in range(4):
        assert error_text(submit(client, open_login(client, challenge), CHEN, "wrong")) == WRONG_CREDENTIALS


# the token endpoint refuses

def test_a_code_works_once_and_a_replay_revokes_its_token(client: TestClient) -> None:
    verifier, challenge = pkce()
    code = login_code(client, CHEN, challenge)
    first = redeem(client, code, verifier)
    assert first.status_code == 200
    access = first.json()["access_token"]
    assert client.get("/userinfo", headers={"Authorization": f"Bearer {access}"}).status_code == 200
    again = redeem(client, code, verifier)
    assert again.status_code == 400 and again.json()["error"] == "invalid_grant"
    assert client.get("/userinfo", headers={"Authorization": f"Bearer {access}"}).status_code == 401


def test_a_wrong_code_verifier_is_refused_and_uses_the_code_up(client: TestClient) -> None:
    verifier, challenge = pkce()
    code = login_code(client, CHEN, challenge)
    other, _ = pkce()
    response = redeem(client, code, other)
    assert (response.status_code, response.json()["error"]) == (400, "invalid_grant")
    assert redeem(client, code, verifier).json()["error"] == "invalid_grant"


def test_a_missing_code_verifier_is_an_invalid_request(client: TestClient) -> None:
    _, challenge = pkce()
    code = login_code(client, CHEN, challenge)
    response = client.post("/token", data={"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT},
                           headers=basic())
    assert (response.status_code, response.json()["error"]) == (400, "invalid_request")


def test_the_redirect_uri_must_be_the_one_of_the_request(client: TestClient) -> None:
    verifier, challenge = pkce()
    code = login_code(client, CHEN, challenge)
    response = redeem(client, code, verifier, redirect_uri="http://127.0.0.1:8001/auth/oidc/callback")
    assert (response.status_code, response.json()["error"]) == (400, "invalid_grant")


@pytest.mark.parametrize("headers, extra", [
    (basic(secret="wrong-secret"), {}),
    (basic(client_id="someone-else"), {}),
    ({}, {"client_id": CLIENT_ID, "client_secret": "wrong-secret"}),
    ({}, {"client_id": CLIENT_ID}),
    ({}, {}),
    ({"Authorization": "Basic !!!"}, {}),
])
def test_client_authentication_failures_are_401_invalid_client(
        client: TestClient, headers: Dict[str, str], extra: Dict[str, str]) -> None:
    verifier, challenge = pkce()
    code = login_code(client, CHEN, challenge)
    response = redeem(client, code, verifier, headers=headers, **extra)
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client" and response.json()["error_description"]
    assert response.headers["www-authenticate"].startswith("Basic")
    assert redeem(client, code, verifier).status_code == 200  # an unauthenticated client does not burn the code


def test_an_expired_code_is_refused(client: TestClient, clock: Clock) -> None:
    verifier, challenge = pkce()
    code = login_code(client, CHEN, challenge)
    clock.advance(61)
    response = redeem(client, code, verifier)
    assert (response.status_code, response.json()["error"]) == (400, "invalid_grant")


def test_a_code_just_inside_its_minute_works(client: TestClient, clock: Clock) -> None:
    verifier, challenge = pkce()
    code = login_code(client, CHEN, challenge)
    clock.advance(59)
    assert redeem(client, code, verifier).status_code == 200


def test_grant_type_and_body_format(client: TestClient) -> None:
    response = client.post("/token", data={"grant_type": "password", "username": "x"}, headers=basic())
    assert (response.status_code, response.json()["error"]) == (400, "unsupported_grant_type")
    response = client.post("/token", content=json.dumps({"grant_type": "authorization_code"}),
                           headers={**basic(), "Content-Type": "application/json"})
    assert (response.status_code, response.json()["error"]) == (400, "invalid_request")
    response = client.post("/token", content="grant_type=authorization_code&grant_type=authorization_code",
                           headers={**basic(), "Content-Type": "application/x-www-form-urlencoded"})
    assert (response.status_code, response.json()["error"]) == (400, "invalid_request")
    response = redeem(client, "no-such-code", pkce()[0])
    assert (response.status_code, response.json()["error"]) == (400, "invalid_grant")


# the authorization endpoint refuses

@pytest.mark.parametrize("redirect_uri", [
    "https://evil.example/auth/oidc/callback",
    "http://127.0.0.1:8000/auth/oidc/callback/../../evil",
    "http://127.0.0.1:8000/other",
    "http://127.0.0.1/auth/oidc/callback",  # the patterns require a port
    "http://127.0.0.1:8000@evil.example/auth/oidc/callback",
    "http://127.0.0.1:8000/auth/oidc/callback?next=https://evil.example",
    "http://127.0.0.1:8000/auth/oidc/callback#x",
    "http://127.0.0.1.evil.example:8000/auth/oidc/callback",
    "",
    None,
])
def test_an_unregistered_redirect_uri_gets_a_page_not_a_redirect(client: TestClient, redirect_uri: Optional[str]) -> None:
    _, challenge = pkce()
    page = client.get("/authorize", params=auth_params(challenge, redirect_uri=redirect_uri))
    assert page.status_code == 400 and "location" not in page.headers
    assert "回跳地址" in page.text and "text/html" in page.headers["content-type"]


@pytest.mark.parametrize("client_id", ["other-client", "", None])
def test_an_unknown_client_gets_a_page_not_a_redirect(client: TestClient, client_id: Optional[str]) -> None:
    _, challenge = pkce()
    page = client.get("/authorize", params=auth_params(challenge, client_id=client_id))
    assert page.status_code == 400 and "location" not in page.headers


def test_a_repeated_redirect_uri_is_not_followed(client: TestClient) -> None:
    _, challenge = pkce()
    query = urlencode(auth_params(challenge)) + "&" + urlencode({"redirect_uri": "https://evil.example/cb"})
    page = client.get("/authorize?" + query)
    assert page.status_code == 400 and "location" not in page.headers


def test_localhost_and_any_loopback_port_are_registered(client: TestClient) -> None:
    _, challenge = pkce()
    for uri in ("http://localhost:5173/auth/oidc/callback", "http://127.0.0.1:65000/auth/oidc/callback"):
        assert login_code(client, CHEN, challenge, redirect_uri=uri)


@pytest.mark.parametrize("overrides, error", [
    ({"code_challenge": None}, "invalid_request"),
    ({"code_challenge_method": "plain"}, "invalid_request"),
    ({"code_challenge_method": None}, "invalid_request"),
    ({"code_challenge": "short"}, "invalid_request"),
    ({"nonce": None}, "invalid_request"),
    ({"scope": "profile"}, "invalid_scope"),
    ({"response_type": "token"}, "unsupported_response_type"),
    ({"response_type": None}, "invalid_request"),
    ({"prompt": "none"}, "login_required"),
])
def test_other_errors_go_back_to_the_client(client: TestClient, overrides: Dict[str, Optional[str]], error: str) -> None:
    _, challenge = pkce()
    response = client.get("/authorize", params=auth_params(challenge, **overrides))
    assert response.status_code == 302
    location = urlsplit(response.headers["location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == REDIRECT
    query = parse_qs(location.query)
    assert query["error"] == [error] and query["state"] == ["state-123"] and "code" not in query


def test_the_login_page(client: TestClient) -> None:
    _, challenge = pkce()
    page = client.get("/authorize", params=auth_params(challenge))
    assert "深圳市统一身份认证（开发环境）" in page.text and "开发" in page.text
    assert "证件号码" in page.text and "密码" in page.text and "统一社会信用代码" in page.text
    assert 'name="viewport"' in page.text
    assert challenge not in page.text and "nonce-456" not in page.text  # the parameters stay on the server
    assert page.headers["cache-control"] == "no-store" and page.headers["x-frame-options"] == "DENY"


def test_cancel_goes_back_with_access_denied(client: TestClient) -> None:
    _, challenge = pkce()
    response = submit(client, open_login(client, challenge), "", "", action="cancel")
    assert response.status_code == 302
    query = parse_qs(urlsplit(response.headers["location"]).query)
    assert query["error"] == ["access_denied"] and query["state"] == ["state-123"]


def test_a_login_page_completes_once_and_expires(client: TestClient, clock: Clock) -> None:
    _, challenge = pkce()
    pending = open_login(client, challenge)
    assert submit(client, pending, CHEN).status_code == 302
    reused = submit(client, pending, CHEN)
    assert reused.status_code == 400 and "location" not in reused.headers
    pending = open_login(client, challenge)
    clock.advance(16 * 60)
    expired = submit(client, pending, CHEN)
    assert expired.status_code == 400 and "已过期" in expired.text
    forged = submit(client, "made-up", CHEN)
    assert forged.status_code == 400 and "location" not in forged.headers


# userinfo

def test_userinfo_with_and_without_a_token(client: TestClient, clock: Clock) -> None:
    tokens = full_flow(client, LONGTENG)
    ok = client.get("/userinfo", headers={"Authorization": f"Bearer {tokens['access_token']}"})
    assert ok.status_code == 200 and ok.headers["cache-control"] == "no-store"
    claims = verify(client, tokens["id_token"])
    assert ok.json() == {"sub": claims["sub"], "name": "深圳市龙腾新材料有限公司", "subject_type": "legal_person",
                         "uscc": LONGTENG}
    missing = client.get("/userinfo")
    assert missing.status_code == 401 and missing.headers["www-authenticate"].startswith("Bearer")
    bad = client.get("/userinfo", headers={"Authorization": "Bearer not-a-token"})
    assert bad.status_code == 401 and 'error="invalid_token"' in bad.headers["www-authenticate"]
    id_token_as_bearer = client.get("/userinfo", headers={"Authorization": f"Bearer {tokens['id_token']}"})
    assert id_token_as_bearer.status_code == 401
    clock.advance(601)
    expired = client.get("/userinfo", headers={"Authorization": f"Bearer {tokens['access_token']}"})
    assert expired.status_code == 401


# logs

def test_no_id_number_password_or_code_in_the_logs(client: TestClient, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    verifier, challenge = pkce()
    pending = open_login(client, challenge)
    submit(client, pending, CHEN, "Wrong@2026")
    code = login_code(client, CHEN, challenge)
    tokens = redeem(client, code, verifier).json()
    redeem(client, code, verifier)
    client.get("/userinfo", headers={"Authorization": f"Bearer {tokens['access_token']}"})
    text = caplog.text
    assert "login succeeded" in text  # the logger is on
    for secret in (CHEN, PASSWORD, "Wrong@2026", code, tokens["access_token"], tokens["id_token"]):
        assert secret not in text
