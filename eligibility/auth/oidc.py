"""The OpenID Connect relying party: authorization code flow with PKCE (S256), RS256 ID tokens only.

Framework-free. ``login_request()`` makes the URL to send the browser to, with a fresh state, nonce and code
verifier the caller keeps server-side; on the callback the caller checks ``state`` (``state_matches``) and
calls ``exchange(code, code_verifier, nonce)``, which redeems the code (client_secret_basic) and verifies the
ID token against the provider's published keys. Development points it at ``idp/``, production at the
government's provider: only the configuration differs.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import threading
from dataclasses import dataclass
from typing import Any, Dict, Optional
from urllib.parse import quote_plus, urlencode, urlsplit

import httpx
import jwt

ALGORITHMS = ["RS256"]
NATURAL_PERSON = "natural_person"
LEGAL_PERSON = "legal_person"


@dataclass(frozen=True)
class OidcConfig:
    issuer: str
    client_id: str
    client_secret: str
    redirect_uri: str
    scope: str = "openid profile"
    leeway_s: int = 30


@dataclass(frozen=True)
class LoginRequest:
    url: str
    state: str
    nonce: str
    code_verifier: str


@dataclass(frozen=True)
class VerifiedIdentity:
    subject_type: str  # natural_person | legal_person
    id_number: Optional[str]  # 居民身份证号, natural persons
    uscc: Optional[str]  # 统一社会信用代码, legal persons
    name: Optional[str]
    sub: str
    issuer: str
    acr: Optional[str]

    def __repr__(self) -> str:  # no ID number in logs or tracebacks
        return f"VerifiedIdentity(subject_type={self.subject_type!r}, sub={self.sub!r}, issuer={self.issuer!r})"


class OidcError(Exception):
    """``code``: oidc_unavailable (network, 5xx), oidc_misconfigured (discovery does not fit the configuration),
    oidc_token_error (the token endpoint refused), oidc_invalid_id_token, oidc_nonce_mismatch.
    ``detail`` is English, for logs; it never holds a code, a token or an ID number."""

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(f"{code}: {detail}")
        self.code = code
        self.detail = detail


def state_matches(expected: str, received: Optional[str]) -> bool:
    """The callback's ``state`` against the one kept for this login, in constant time."""
    return bool(expected) and received is not None and hmac.compare_digest(expected.encode(), received.encode())


def pkce_challenge(verifier: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode("ascii")).digest()).rstrip(b"=").decode("ascii")


def _url(doc: Dict[str, Any], name: str) -> str:
    value = doc.get(name)
    if not isinstance(value, str) or urlsplit(value).scheme not in ("http", "https") or not urlsplit(value).netloc:
        raise OidcError("oidc_misconfigured", f"discovery document has no usable {name}")
    return value


class OidcClient:
    def __init__(self, config: OidcConfig, http: Optional[httpx.Client] = None) -> None:
        self.config = config
        self._issuer = config.issuer  # compared exactly, as OpenID Connect Discovery §4.3 says
        self._http = http or httpx.Client(timeout=10.0)
        self._owns_http = http is None
        self._lock = threading.Lock()
        self._discovery: Optional[Dict[str, Any]] = None
        self._jwks: Optional[jwt.PyJWKClient] = None

    def close(self) -> None:
        if self._owns_http:
            self._http.close()

    # discovery and keys
    def discovery(self) -> Dict[str, Any]:
        """The provider's discovery document, fetched once. Its issuer must be the configured one."""
        with self._lock:
            if self._discovery is not None:
                return self._discovery
        url = f"{self._issuer.rstrip('/')}/.well-known/openid-configuration"
        try:
            response = self._http.get(url, headers={"Accept": "application/json"})
        except httpx.HTTPError as exc:
            raise OidcError("oidc_unavailable", f"discovery request failed: {type(exc).__name__}") from None
        if response.status_code != 200:
            raise OidcError("oidc_unavailable", f"discovery answered HTTP {response.status_code}")
        try:
            doc = response.json()
        except ValueError:
            raise OidcError("oidc_misconfigured", "discovery document is not JSON") from None
        if not isinstance(doc, dict):
            raise OidcError("oidc_misconfigured", "discovery document is not a JSON object")
        if doc.get("issuer") != self._issuer:
            raise OidcError("oidc_misconfigured", "discovery issuer differs from the configured issuer")
        for name in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
            _url(doc, name)
        algs = doc.get("id_token_signing_alg_values_supported") or []
        if "RS256" not in algs:
            raise OidcError("oidc_misconfigured", "the provider does not sign ID tokens with RS256")
        with self._lock:
            if self._discovery is None:
                self._discovery = doc
                self._jwks = jwt.PyJWKClient(doc["jwks_uri"], cache_keys=True, timeout=10)
            return self._discovery

    def _signing_key(self, token: str) -> Any:
        self.discovery()
        assert self._jwks is not None
        try:
            return self._jwks.get_signing_key_from_jwt(token).key
        except jwt.PyJWKClientConnectionError:
            raise OidcError("oidc_unavailable", "could not fetch the provider's JWKS") from None
        except jwt.PyJWTError as exc:
            raise OidcError("oidc_invalid_id_token", f"no usable signing key: {exc}") from None

    # the flow
    def login_request(self) -> LoginRequest:
        """A fresh state, nonce and PKCE verifier, and the authorization URL carrying them."""
        doc = self.discovery()
        state, nonce = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        verifier = secrets.token_urlsafe(64)  # 86 characters, within RFC 7636's 43-128
        query = urlencode({
            "response_type": "code", "client_id": self.config.client_id, "redirect_uri": self.config.redirect_uri,
            "scope": self.config.scope, "state": state, "nonce": nonce,
            "code_challenge": pkce_challenge(verifier), "code_challenge_method": "S256",
        })
        endpoint = _url(doc, "authorization_endpoint")
        return LoginRequest(url=f"{endpoint}{'&' if '?' in endpoint else '?'}{query}", state=state, nonce=nonce,
                            code_verifier=verifier)

    def exchange(self, code: str, code_verifier: str, nonce: str) -> VerifiedIdentity:
        """Redeem ``code`` at the token endpoint and return the identity its verified ID token states."""
        if not code or not code_verifier or not nonce:
            raise OidcError("oidc_token_error", "code, code_verifier and nonce are all required")
        id_token = self._redeem(code, code_verifier)
        return self.verify_id_token(id_token, nonce)

    def _redeem(self, code: str, code_verifier: str) -> str:
        doc = self.discovery()
        # client_secret_basic: id and secret are form-urlencoded before base64 (RFC 6749 §2.3.1).
        pair = f"{quote_plus(self.config.client_id)}:{quote_plus(self.config.client_secret)}"
        headers = {"Authorization": "Basic " + base64.b64encode(pair.encode("utf-8")).decode("ascii"),
                   "Accept": "application/json"}
        form = {"grant_type": "authorization_code", "code": code, "redirect_uri": self.config.redirect_uri,
                "code_verifier": code_verifier}
        try:
            response = self._http.post(_url(doc, "token_endpoint"), data=form, headers=headers)
        except httpx.HTTPError as exc:
            raise OidcError("oidc_unavailable", f"token request failed: {type(exc).__name__}") from None
        if response.status_code >= 500:
            raise OidcError("oidc_unavailable", f"token endpoint answered HTTP {response.status_code}")
        try:
            body = response.json()
        except ValueError:
            body = None
        if response.status_code != 200:
            error = body.get("error") if isinstance(body, dict) else None
            raise OidcError("oidc_token_error", f"token endpoint answered HTTP {response.status_code}: "
                                                f"{error if isinstance(error, str) else 'no error code'}")
        if not isinstance(body, dict) or not isinstance(body.get("id_token"), str):
            raise OidcError("oidc_token_error", "token response has no id_token")
        if str(body.get("token_type", "")).lower() != "bearer":
            raise OidcError("oidc_token_error", "token response is not a Bearer token")
        return str(body["id_token"])

    def verify_id_token(self, id_token: str, nonce: str) -> VerifiedIdentity:
        """Signature (RS256 only, a key from the provider's JWKS), iss, aud, exp, iat, nonce; then the claims."""
        doc = self.discovery()
        try:
            header = jwt.get_unverified_header(id_token)
        except jwt.PyJWTError:
            raise OidcError("oidc_invalid_id_token", "the ID token is not a JWS") from None
        if header.get("alg") not in ALGORITHMS:
            raise OidcError("oidc_invalid_id_token", f"ID token algorithm {header.get('alg')!r} is not accepted")
        key = self._signing_key(id_token)
        try:
            claims = jwt.decode(
                id_token, key, algorithms=ALGORITHMS, audience=self.config.client_id, issuer=self._issuer,
                leeway=self.config.leeway_s,
                options={"require": ["exp", "iat", "sub", "aud", "iss", "nonce"], "verify_signature": True},
            )
        except jwt.PyJWTError as exc:
            raise OidcError("oidc_invalid_id_token", f"{type(exc).__name__}: {exc}") from None
        if claims.get("iss") != doc.get("issuer"):
            raise OidcError("oidc_invalid_id_token", "issuer differs from the discovery document's")
        aud = claims.get("aud")
        if isinstance(aud, list) and len(aud) > 1 and claims.get("azp") != self.config.client_id:
            raise OidcError("oidc_invalid_id_token", "several audiences and azp is not this client")
        token_nonce = claims.get("nonce")
        if not isinstance(token_nonce, str) or not hmac.compare_digest(token_nonce.encode(), nonce.encode()):
            raise OidcError("oidc_nonce_mismatch", "the ID token's nonce is not the one of this login")
        return _identity(claims, self._issuer)


def _text(claims: Dict[str, Any], name: str) -> Optional[str]:
    value = claims.get(name)
    if value is None:
        return None
    if not isinstance(value, str) or not value:
        raise OidcError("oidc_invalid_id_token", f"claim {name} is not a non-empty string")
    return value


def _identity(claims: Dict[str, Any], issuer: str) -> VerifiedIdentity:
    sub = _text(claims, "sub")
    subject_type = claims.get("subject_type")
    if sub is None:
        raise OidcError("oidc_invalid_id_token", "claim sub is missing")
    id_number, uscc = _text(claims, "id_number"), _text(claims, "uscc")
    if subject_type == NATURAL_PERSON:
        if id_number is None or uscc is not None:
            raise OidcError("oidc_invalid_id_token", "a natural person needs id_number and no uscc")
    elif subject_type == LEGAL_PERSON:
        if uscc is None or id_number is not None:
            raise OidcError("oidc_invalid_id_token", "a legal person needs uscc and no id_number")
    else:
        raise OidcError("oidc_invalid_id_token", "subject_type is neither natural_person nor legal_person")
    return VerifiedIdentity(subject_type=subject_type, id_number=id_number, uscc=uscc, name=_text(claims, "name"),
                            sub=sub, issuer=issuer, acr=_text(claims, "acr"))
