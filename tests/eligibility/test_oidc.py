"""The relying party (eligibility.auth.oidc) against the development provider on a real loopback port.

The browser is httpx (GET the authorization URL, POST the login form, read Location). Forged ID tokens come
from a fake token endpoint in front of the real provider; the JWKS and the verification are the real ones."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, Optional
from urllib.parse import parse_qs, urljoin, urlsplit

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from eligibility.auth.oidc import (
    LoginRequest,
    OidcClient,
    OidcConfig,
    OidcError,
    VerifiedIdentity,
    pkce_challenge,
    state_matches,
)
from idp.app import create_app
from idp.settings import DEV_CLIENT_SECRET, Settings
from tests.ports import free_port
from tests.ports import serving as serve_app

PASSWORD = "Demo@2026"
CHEN = "440309194803150023"
HUAXIN = "91440309MA5H2KQ3XC"
NO_DATA = "440104199105120134"
REDIRECT = "http://127.0.0.1:8100/auth/oidc/callback"
NONCE = "the-nonce-of-this-login"


@dataclass(frozen=True)
class Provider:
    issuer: str
    key_path: Path

    def config(self, **overrides: Any) -> OidcConfig:
        fields: Dict[str, Any] = {"issuer": self.issuer, "client_id": "zhengcetong",
                                  "client_secret": DEV_CLIENT_SECRET, "redirect_uri": REDIRECT}
        fields.update(overrides)
        return OidcConfig(**fields)

    def private_key(self) -> rsa.RSAPrivateKey:
        key = serialization.load_pem_private_key(self.key_path.read_bytes(), password=None)
        assert isinstance(key, rsa.RSAPrivateKey)
        return key

    def kid(self) -> str:
        return str(httpx.get(f"{self.issuer}/jwks.json").json()["keys"][0]["kid"])


@pytest.fixture(scope="module")
def provider(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Provider]:
    port = free_port()
    issuer = f"http://127.0.0.1:{port}"
    key_path = tmp_path_factory.mktemp("idp") / "signing-key.pem"
    app = create_app(Settings(issuer=issuer, key_path=key_path))
    with serve_app(app, port, "the identity provider"):
        yield Provider(issuer, key_path)


def browser_login(request: LoginRequest, identifier: str, password: str = PASSWORD) -> str:
    """What a browser does: open the login page, submit the form, follow nothing; returns the code."""
    with httpx.Client(follow_redirects=False, timeout=10) as browser:
        page = browser.get(request.url)
        assert page.status_code == 200, page.text
        pending = re.search(r'name="pending" value="([^"]+)"', page.text)
        action = re.search(r'<form method="post" action="([^"]+)"', page.text)
        assert pending and action
        response = browser.post(urljoin(request.url, action.group(1)),
                                data={"pending": pending.group(1), "identifier": identifier, "password": password,
                                      "action": "login"})
    assert response.status_code == 302, response.text
    location = urlsplit(response.headers["location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == REDIRECT
    query = parse_qs(location.query)
    assert state_matches(request.state, query["state"][0])
    return query["code"][0]


# the real flow

def test_login_request(provider: Provider) -> None:
    client = OidcClient(provider.config())
    first, second = client.login_request(), client.login_request()
    assert first.url.startswith(f"{provider.issuer}/authorize?")
    query = {k: v[0] for k, v in parse_qs(urlsplit(first.url).query).items()}
    assert query == {"response_type": "code", "client_id": "zhengcetong", "redirect_uri": REDIRECT,
                     "scope": "openid profile", "state": first.state, "nonce": first.nonce,
                     "code_challenge": pkce_challenge(first.code_verifier), "code_challenge_method": "S256"}
    assert 43 <= len(first.code_verifier) <= 128
    assert len({first.state, first.nonce, first.code_verifier, second.state, second.nonce, second.code_verifier}) == 6
    expected = base64.urlsafe_b64encode(hashlib.sha256(first.code_verifier.encode()).digest()).rstrip(b"=").decode()
    assert query["code_challenge"] == expected


def test_a_citizen_logs_in(provider: Provider) -> None:
    client = OidcClient(provider.config())
    request = client.login_request()
    identity = client.exchange(browser_login(request, CHEN), request.code_verifier, request.nonce)
    assert isinstance(identity, VerifiedIdentity)
    assert (identity.subject_type, identity.id_number, identity.uscc, identity.name) == \
        ("natural_person", CHEN, None, "陈桂兰")
    assert identity.issuer == provider.issuer and identity.acr == "urn:sz:gov:loa:2"
    assert identity.sub and CHEN not in identity.sub
    assert CHEN not in repr(identity)


def test_a_legal_person_logs_in(provider: Provider) -> None:
    client = OidcClient(provider.config())
    request = client.login_request()
    identity = client.exchange(browser_login(request, HUAXIN), request.code_verifier, request.nonce)
    assert (identity.subject_type, identity.uscc, identity.id_number, identity.name) == \
        ("legal_person", HUAXIN, None, "深圳市华芯智云科技有限公司")


def test_a_citizen_without_a_data_account_logs_in(provider: Provider) -> None:
    client = OidcClient(provider.config())
    request = client.login_request()
    identity = client.exchange(browser_login(request, NO_DATA), request.code_verifier, request.nonce)
    assert (identity.subject_type, identity.id_number, identity.name) == ("natural_person", NO_DATA, "周文博")


def test_the_nonce_of_another_login_is_refused(provider: Provider) -> None:
    client = OidcClient(provider.config())
    request, other = client.login_request(), client.login_request()
    code = browser_login(request, CHEN)
    with pytest.raises(OidcError) as err:
        client.exchange(code, request.code_verifier, other.nonce)
    assert err.value.code == "oidc_nonce_mismatch"


def test_a_code_is_redeemed_once(provider: Provider) -> None:
    client = OidcClient(provider.config())
    request = client.login_request()
    code = browser_login(request, CHEN)
    client.exchange(code, request.code_verifier, request.nonce)
    with pytest.raises(OidcError) as err:
        client.exchange(code, request.code_verifier, request.nonce)
    assert err.value.code == "oidc_token_error" and "invalid_grant" in err.value.detail


def test_the_code_verifier_of_another_login_is_refused(provider: Provider) -> None:
    client = OidcClient(provider.config())
    request, other = client.login_request(), client.login_request()
    with pytest.raises(OidcError) as err:
        client.exchange(browser_login(request, CHEN), other.code_verifier, request.nonce)
    assert err.value.code == "oidc_token_error" and "invalid_grant" in err.value.detail


def test_a_wrong_client_secret_is_refused(provider: Provider) -> None:
    client = OidcClient(provider.config(client_secret="not-the-secret"))
    request = client.login_request()
    with pytest.raises(OidcError) as err:
        client.exchange(browser_login(request, CHEN), request.code_verifier, request.nonce)
    assert err.value.code == "oidc_token_error" and "invalid_client" in err.value.detail


def test_an_unreachable_provider_is_unavailable() -> None:
    client = OidcClient(OidcConfig(issuer=f"http://127.0.0.1:{free_port()}", client_id="zhengcetong",
                                   client_secret="x", redirect_uri=REDIRECT))
    for call in (client.login_request, lambda: client.exchange("code", "v" * 43, NONCE)):
        with pytest.raises(OidcError) as err:
            call()
        assert err.value.code == "oidc_unavailable"


def test_a_provider_that_goes_away_after_discovery_is_unavailable(provider: Provider) -> None:
    def refuse_token(request: httpx.Request) -> Optional[httpx.Response]:
        if request.url.path == "/token":
            raise httpx.ConnectError("connection refused", request=request)
        return None

    client = OidcClient(provider.config(), http=httpx.Client(transport=Intercept(refuse_token)))
    request = client.login_request()
    with pytest.raises(OidcError) as err:
        client.exchange(browser_login(request, CHEN), request.code_verifier, request.nonce)
    assert err.value.code == "oidc_unavailable"


def test_a_discovery_document_of_another_issuer_is_refused(provider: Provider) -> None:
    # the same server under another name: its discovery document names 127.0.0.1, not localhost
    issuer = provider.issuer.replace("127.0.0.1", "localhost")
    with pytest.raises(OidcError) as err:
        OidcClient(provider.config(issuer=issuer)).login_request()
    assert err.value.code == "oidc_misconfigured"


# forged ID tokens, served by a fake token endpoint; verified by the real client against the real JWKS

class Intercept(httpx.BaseTransport):
    """Real HTTP, except where ``handler`` answers."""

    def __init__(self, handler: Callable[[httpx.Request], Optional[httpx.Response]]) -> None:
        self.handler = handler
        self.real = httpx.HTTPTransport()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        return self.handler(request) or self.real.handle_request(request)


def serving(provider: Provider, id_token: str) -> OidcClient:
    """A client whose token endpoint answers ``id_token`` to any code."""
    def token(request: httpx.Request) -> Optional[httpx.Response]:
        if request.method == "POST" and request.url.path == "/token":
            return httpx.Response(200, json={"access_token": "x", "token_type": "Bearer", "expires_in": 600,
                                             "id_token": id_token})
        return None

    return OidcClient(provider.config(), http=httpx.Client(transport=Intercept(token)))


def claims(provider: Provider, **overrides: Any) -> Dict[str, Any]:
    now = int(time.time())
    out: Dict[str, Any] = {"iss": provider.issuer, "aud": "zhengcetong", "sub": "sz-forged", "exp": now + 600,
                           "iat": now, "auth_time": now, "nonce": NONCE, "acr": "urn:sz:gov:loa:2", "name": "陈桂兰",
                           "subject_type": "natural_person", "id_number": CHEN}
    out.update(overrides)
    return {k: v for k, v in out.items() if v is not None}


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def raw_token(header: Dict[str, Any], payload: Dict[str, Any], sign: Callable[[bytes], bytes]) -> str:
    signing_input = f"{b64(json.dumps(header).encode())}.{b64(json.dumps(payload).encode())}"
    return f"{signing_input}.{b64(sign(signing_input.encode()))}"


def signed(provider: Provider, **overrides: Any) -> str:
    """Signed with the provider's own key: only the claims can be wrong."""
    return jwt.encode(claims(provider, **overrides), provider.private_key(), algorithm="RS256",
                      headers={"kid": provider.kid()})


def rejected(provider: Provider, id_token: str) -> OidcError:
    with pytest.raises(OidcError) as err:
        serving(provider, id_token).exchange("any-code", "v" * 43, NONCE)
    return err.value


def test_the_fake_token_endpoint_serves_a_token_the_client_accepts(provider: Provider) -> None:
    """The control for every forgery below: the same path with a genuine signature and right claims passes."""
    identity = serving(provider, signed(provider)).exchange("any-code", "v" * 43, NONCE)
    assert (identity.sub, identity.id_number) == ("sz-forged", CHEN)


def test_a_token_signed_with_another_key_under_the_same_kid(provider: Provider) -> None:
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    token = jwt.encode(claims(provider), other, algorithm="RS256", headers={"kid": provider.kid()})
    assert rejected(provider, token).code == "oidc_invalid_id_token"


def test_a_token_with_an_unknown_kid(provider: Provider) -> None:
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    token = jwt.encode(claims(provider), other, algorithm="RS256", headers={"kid": "someone-elses-key"})
    assert rejected(provider, token).code == "oidc_invalid_id_token"


def test_a_tampered_payload(provider: Provider) -> None:
    header, _, signature = signed(provider).split(".")
    payload = b64(json.dumps(claims(provider, id_number="430102200206110032")).encode())
    assert rejected(provider, f"{header}.{payload}.{signature}").code == "oidc_invalid_id_token"


@pytest.mark.parametrize("pem_format", [serialization.PublicFormat.SubjectPublicKeyInfo,
                                        serialization.PublicFormat.PKCS1])
def test_hs256_signed_with_the_public_key_as_secret(provider: Provider,
                                                    pem_format: serialization.PublicFormat) -> None:
    public_pem = provider.private_key().public_key().public_bytes(serialization.Encoding.PEM, pem_format)
    token = raw_token({"alg": "HS256", "typ": "JWT", "kid": provider.kid()}, claims(provider),
                      lambda data: hmac.new(public_pem, data, hashlib.sha256).digest())
    assert rejected(provider, token).code == "oidc_invalid_id_token"


@pytest.mark.parametrize("alg", ["none", "None", "NONE"])
def test_alg_none(provider: Provider, alg: str) -> None:
    token = raw_token({"alg": alg, "typ": "JWT", "kid": provider.kid()}, claims(provider), lambda _: b"")
    assert rejected(provider, token).code == "oidc_invalid_id_token"
    assert rejected(provider, token.rstrip(".") + ".").code == "oidc_invalid_id_token"


def test_an_expired_token(provider: Provider) -> None:
    now = int(time.time())
    token = signed(provider, iat=now - 3600, exp=now - 60)  # past the 30 s leeway
    assert rejected(provider, token).code == "oidc_invalid_id_token"
    # within the leeway it is still accepted
    serving(provider, signed(provider, iat=now - 600, exp=now - 10)).exchange("c", "v" * 43, NONCE)


def test_a_token_issued_in_the_future(provider: Provider) -> None:
    now = int(time.time())
    assert rejected(provider, signed(provider, iat=now + 3600, exp=now + 4200)).code == "oidc_invalid_id_token"


@pytest.mark.parametrize("aud", ["another-client", ["another-client"], ["zhengcetong", "another-client"]])
def test_a_token_for_another_audience(provider: Provider, aud: Any) -> None:
    assert rejected(provider, signed(provider, aud=aud)).code == "oidc_invalid_id_token"


@pytest.mark.parametrize("iss", ["https://evil.example", "http://localhost:8300", None])
def test_a_token_from_another_issuer(provider: Provider, iss: Optional[str]) -> None:
    assert rejected(provider, signed(provider, iss=iss)).code == "oidc_invalid_id_token"


def test_a_token_with_a_trailing_slash_issuer(provider: Provider) -> None:
    assert rejected(provider, signed(provider, iss=provider.issuer + "/")).code == "oidc_invalid_id_token"


def test_a_token_with_another_nonce_or_none(provider: Provider) -> None:
    assert rejected(provider, signed(provider, nonce="another-nonce")).code == "oidc_nonce_mismatch"
    assert rejected(provider, signed(provider, nonce=None)).code == "oidc_invalid_id_token"


@pytest.mark.parametrize("missing", ["exp", "iat", "sub", "aud"])
def test_a_token_without_a_required_claim(provider: Provider, missing: str) -> None:
    assert rejected(provider, signed(provider, **{missing: None})).code == "oidc_invalid_id_token"


@pytest.mark.parametrize("overrides", [
    {"subject_type": None},
    {"subject_type": "robot"},
    {"id_number": None},
    {"subject_type": "legal_person"},  # a legal person with an id_number and no uscc
    {"uscc": HUAXIN},  # a natural person with both
    {"id_number": 440309194803150023},  # not a string
])
def test_a_token_whose_subject_claims_do_not_add_up(provider: Provider, overrides: Dict[str, Any]) -> None:
    assert rejected(provider, signed(provider, **overrides)).code == "oidc_invalid_id_token"


def test_a_token_response_without_an_id_token(provider: Provider) -> None:
    def token(request: httpx.Request) -> Optional[httpx.Response]:
        if request.url.path == "/token":
            return httpx.Response(200, json={"access_token": "x", "token_type": "Bearer"})
        return None

    client = OidcClient(provider.config(), http=httpx.Client(transport=Intercept(token)))
    with pytest.raises(OidcError) as err:
        client.exchange("any-code", "v" * 43, NONCE)
    assert err.value.code == "oidc_token_error"


def test_the_token_request_authenticates_with_client_secret_basic(provider: Provider) -> None:
    seen: Dict[str, Any] = {}

    def token(request: httpx.Request) -> Optional[httpx.Response]:
        if request.url.path == "/token":
            seen["authorization"] = request.headers.get("authorization")
            seen["form"] = parse_qs(request.content.decode())
            return httpx.Response(200, json={"token_type": "Bearer", "id_token": signed(provider)})
        return None

    OidcClient(provider.config(), http=httpx.Client(transport=Intercept(token))).exchange("the-code", "v" * 43, NONCE)
    expected = base64.b64encode(f"zhengcetong:{DEV_CLIENT_SECRET}".encode()).decode()
    assert seen["authorization"] == f"Basic {expected}"
    assert seen["form"] == {"grant_type": ["authorization_code"], "code": ["the-code"], "redirect_uri": [REDIRECT],
                            "code_verifier": ["v" * 43]}
