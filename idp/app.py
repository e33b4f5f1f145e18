"""The provider's FastAPI application: ``create_app(settings, now=None)``.

OpenID Connect authorization code flow with PKCE (S256) for one confidential client: discovery, JWKS,
/authorize (a login page; the OAuth parameters stay on the server, the form carries only their id), /token,
/userinfo. ``now`` (seconds since the epoch) is injectable so tests can move the clock."""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import re
import time
from dataclasses import dataclass
from typing import Any, Callable, Dict, List, Optional, Set, Tuple
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from fastapi import FastAPI, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import JSONResponse, RedirectResponse, Response

from idp import metrics, pages
from idp.accounts import AccountBook, normalize_identifier
from idp.clients import Client, parse_basic
from idp.keys import SigningKey
from idp.settings import Settings
from idp.store import AccessGrant, CodeGrant, GrantStore, digest
from idp.throttle import LoginThrottle

log = logging.getLogger("idp")

SUPPORTED_SCOPES = ("openid", "profile")
CLAIMS = ["sub", "iss", "aud", "exp", "iat", "auth_time", "nonce", "acr", "name", "subject_type", "id_number", "uscc"]
CHALLENGE = re.compile(r"^[A-Za-z0-9_-]{43}$")  # base64url SHA-256, no padding
VERIFIER = re.compile(r"^[A-Za-z0-9._~-]{43,128}$")  # RFC 7636 §4.1
MAX_FORM_BYTES = 16_384
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}

BAD_CLIENT = ("无法完成登录", "发起登录的应用未在统一身份认证登记，本次登录已停止。请返回原应用重新发起登录。")
BAD_REDIRECT = ("无法完成登录", "发起登录的应用提供的回跳地址未经登记，为保护您的安全，本次登录已停止。请返回原应用重新发起登录。")
EXPIRED = ("登录页面已失效", "登录页面已过期或已使用，请返回原应用重新发起登录。")
BAD_FORM = ("无法完成登录", "提交的内容格式不正确，请返回原应用重新发起登录。")


@dataclass
class Provider:
    """Everything the routes share; ``app.state.idp``."""

    settings: Settings
    now: Callable[[], float]
    key: SigningKey
    accounts: AccountBook
    client: Client
    store: GrantStore
    throttle: LoginThrottle

    @property
    def issuer(self) -> str:
        return self.settings.issuer_url


def _single(pairs: List[Tuple[str, str]]) -> Tuple[Dict[str, str], Set[str]]:
    """Parameters as a dict, and the names sent more than once (RFC 6749 §3.1: each at most once)."""
    values: Dict[str, str] = {}
    repeated: Set[str] = set()
    for name, value in pairs:
        if name in values:
            repeated.add(name)
        values[name] = value
    return values, repeated


async def _read_form(request: Request) -> Optional[List[Tuple[str, str]]]:
    """The urlencoded form body, or None when it is not one, too large or not UTF-8."""
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if ctype != "application/x-www-form-urlencoded":
        return None
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_FORM_BYTES:
            return None
    try:
        return parse_qsl(body.decode("utf-8"), keep_blank_values=True, max_num_fields=32)
    except (UnicodeDecodeError, ValueError):
        return None


def _with_params(uri: str, params: Dict[str, Optional[str]]) -> str:
    parts = urlsplit(uri)
    query = parse_qsl(parts.query, keep_blank_values=True) + [(k, v) for k, v in params.items() if v is not None]
    return urlunsplit(parts._replace(query=urlencode(query)))


def _redirect(uri: str, params: Dict[str, Optional[str]]) -> Response:
    return RedirectResponse(_with_params(uri, params), status_code=302, headers=NO_STORE)


def _s256(verifier: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode("ascii")).digest()).rstrip(b"=").decode("ascii")


def _token_error(error: str, description: str, status: int = 400) -> JSONResponse:
    headers = dict(NO_STORE)
    if status == 401:
        headers["WWW-Authenticate"] = 'Basic realm="idp", charset="UTF-8"'
    return JSONResponse({"error": error, "error_description": description}, status_code=status, headers=headers)


def _bearer_error(description: str, invalid: bool) -> JSONResponse:
    challenge = 'Bearer realm="idp"' + (', error="invalid_token"' if invalid else "")
    return JSONResponse({"error": "invalid_token", "error_description": description}, status_code=401,
                        headers={**NO_STORE, "WWW-Authenticate": challenge})


def create_app(settings: Optional[Settings] = None, now: Optional[Callable[[], float]] = None) -> FastAPI:
    settings = settings or Settings()
    clock = now or time.time
    provider = Provider(
        settings=settings,
        now=clock,
        key=SigningKey.load_or_create(settings.key_path),
        accounts=AccountBook.load(settings.accounts_path),
        client=Client.create(settings.client_id, settings.client_secret, settings.client_name,
                             settings.redirect_uri_list()),
        store=GrantStore(clock),
        throttle=LoginThrottle(settings.lockout_failures, settings.lockout_window_s, clock),
    )
    log.info("provider ready: issuer %s, kid %s, %d accounts", provider.issuer, provider.key.kid, len(provider.accounts))
    app = FastAPI(title="统一身份认证（开发环境）", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.idp = provider

    @app.get("/.well-known/openid-configuration")
    def discovery() -> Dict[str, Any]:
        base = provider.issuer
        return {
            "issuer": base,
            "authorization_endpoint": f"{base}/authorize",
            "token_endpoint": f"{base}/token",
            "jwks_uri": f"{base}/jwks.json",
            "userinfo_endpoint": f"{base}/userinfo",
            "scopes_supported": list(SUPPORTED_SCOPES),
            "response_types_supported": ["code"],
            "response_modes_supported": ["query"],
            "grant_types_supported": ["authorization_code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "token_endpoint_auth_methods_supported": ["client_secret_post", "client_secret_basic"],
            "code_challenge_methods_supported": ["S256"],
            "acr_values_supported": [settings.acr],
            "claims_supported": CLAIMS,
        }

    @app.get("/jwks.json")
    def jwks() -> Response:
        return JSONResponse({"keys": [provider.key.public_jwk()]}, headers={"Cache-Control": "public, max-age=300"})

    @app.get("/health")
    def health() -> Dict[str, str]:
        return {"status": "ok"}

    @app.get("/authorize")
    def authorize(request: Request) -> Response:
        params, repeated = _single(parse_qsl(request.url.query, keep_blank_values=True))
        # The client and its redirect URI first: until both are known good, nothing is sent anywhere.
        if "client_id" in repeated or not provider.client.is_id(params.get("client_id", "")):
            log.info("authorize: unknown client")
            return pages.error_page(*BAD_CLIENT)
        redirect_uri = params.get("redirect_uri", "")
        if "redirect_uri" in repeated or not provider.client.allows_redirect(redirect_uri):
            log.info("authorize: redirect URI not registered")
            return pages.error_page(*BAD_REDIRECT)
        state = params.get("state")

        def fail(error: str, description: str) -> Response:
            log.info("authorize: %s (%s)", error, description)
            return _redirect(redirect_uri, {"error": error, "error_description": description, "state": state})

        if repeated:
            return fail("invalid_request", f"parameter repeated: {sorted(repeated)[0]}")
        response_type = params.get("response_type", "")
        if not response_type:
            return fail("invalid_request", "response_type is required")
        if response_type != "code":
            return fail("unsupported_response_type", "only response_type=code is supported")
        scopes = params.get("scope", "").split()
        if "openid" not in scopes:
            return fail("invalid_scope", "scope must contain openid")
        if not params.get("nonce"):
            return fail("invalid_request", "nonce is required")
        if not params.get("code_challenge"):
            return fail("invalid_request", "PKCE is required: code_challenge is missing")
        if params.get("code_challenge_method") != "S256":
            return fail("invalid_request", "code_challenge_method must be S256")
        if not CHALLENGE.match(params["code_challenge"]):
            return fail("invalid_request", "code_challenge is not a base64url SHA-256 digest")
        if params.get("prompt") == "none":
            return fail("login_required", "this provider keeps no session; the user must log in")
        granted = " ".join(s for s in SUPPORTED_SCOPES if s in scopes)
        pending = provider.store.add_pending(
            settings.pending_ttl_s, client_id=provider.client.client_id, redirect_uri=redirect_uri, scope=granted,
            state=state, nonce=params["nonce"], code_challenge=params["code_challenge"])
        return pages.login_page("authorize", pending.id, provider.client.name)

    @app.post("/authorize")
    async def login(request: Request) -> Response:
        pairs = await _read_form(request)
        if pairs is None:
            return pages.error_page(*BAD_FORM)
        form, _ = _single(pairs)
        pending = provider.store.get_pending(form.get("pending", ""))
        if pending is None:
            return pages.error_page(*EXPIRED)
        if form.get("action") == "cancel":
            if provider.store.take_pending(pending.id) is None:
                return pages.error_page(*EXPIRED)
            log.info("authorize: the user cancelled")
            return _redirect(pending.redirect_uri, {"error": "access_denied",
                                                    "error_description": "the user cancelled the login",
                                                    "state": pending.state})
        typed, password = form.get("identifier", ""), form.get("password", "")
        identifier = normalize_identifier(typed)
        name = provider.client.name

        def again(message: str, status: int = 200) -> Response:
            return pages.login_page("authorize", pending.id, name, error=message, identifier=typed, status=status)

        if not identifier or not password or len(identifier) > 32 or len(password) > 128:
            return again(pages.MISSING_FIELDS if not identifier or not password else pages.WRONG_CREDENTIALS)
        if not provider.throttle.begin(identifier):
            log.info("login refused: too many failures for this identifier")
            return again(pages.LOCKED, 429)
        account = await run_in_threadpool(provider.accounts.authenticate, identifier, password)
        if account is None:
            log.info("login failed")
            if provider.throttle.locked(identifier):
                return again(pages.LOCKED, 429)
            return again(pages.WRONG_CREDENTIALS)
        provider.throttle.succeeded(identifier)
        if provider.store.take_pending(pending.id) is None:
            return pages.error_page(*EXPIRED)
        issued_at = provider.now()
        code = provider.store.issue_code(CodeGrant(
            client_id=pending.client_id, redirect_uri=pending.redirect_uri, code_challenge=pending.code_challenge,
            nonce=pending.nonce, scope=pending.scope, sub=account.sub, auth_time=int(issued_at),
            expires_at=issued_at + settings.code_ttl_s))
        log.info("login succeeded: sub %s (%s)", account.sub, account.subject_type)
        return _redirect(pending.redirect_uri, {"code": code, "state": pending.state})

    @app.post("/token")
    async def token(request: Request) -> Response:
        pairs = await _read_form(request)
        if pairs is None:
            return _token_error("invalid_request", "the body must be application/x-www-form-urlencoded (UTF-8)")
        form, repeated = _single(pairs)
        if repeated:
            return _token_error("invalid_request", f"parameter repeated: {sorted(repeated)[0]}")
        header = request.headers.get("authorization")
        if header:
            creds = parse_basic(header)
            if creds is None:
                return _token_error("invalid_client", "malformed HTTP Basic client authentication", 401)
            if "client_secret" in form:
                return _token_error("invalid_request", "use one client authentication method, not two")
            if "client_id" in form and not hmac.compare_digest(form["client_id"].encode(), creds[0].encode()):
                return _token_error("invalid_request", "client_id differs from the authenticated client")
            client_id, secret = creds
        elif "client_id" in form and "client_secret" in form:
            client_id, secret = form["client_id"], form["client_secret"]
        else:
            return _token_error("invalid_client", "client authentication is required", 401)
        if not provider.client.authenticates(client_id, secret):
            log.info("token: client authentication failed")
            return _token_error("invalid_client", "client authentication failed", 401)

        grant_type = form.get("grant_type", "")
        if not grant_type:
            return _token_error("invalid_request", "grant_type is required")
        if grant_type != "authorization_code":
            return _token_error("unsupported_grant_type", "only authorization_code is supported")
        for name in ("code", "redirect_uri", "code_verifier"):
            if not form.get(name):
                return _token_error("invalid_request", f"{name} is required")
        code = form["code"]
        grant, replayed = provider.store.redeem_code(code)
        if replayed:
            log.warning("token: an authorization code was presented again; its tokens are revoked")
            return _token_error("invalid_grant", "the authorization code was already used")
        if grant is None:
            return _token_error("invalid_grant", "the authorization code is unknown or expired")
        if not provider.client.is_id(grant.client_id):
            return _token_error("invalid_grant", "the authorization code was issued to another client")
        if not hmac.compare_digest(form["redirect_uri"].encode(), grant.redirect_uri.encode()):
            return _token_error("invalid_grant", "redirect_uri does not match the authorization request")
        verifier = form["code_verifier"]
        if not VERIFIER.match(verifier) or not hmac.compare_digest(_s256(verifier), grant.code_challenge):
            return _token_error("invalid_grant", "code_verifier does not match the code_challenge")
        account = provider.accounts.by_sub(grant.sub)
        if account is None:
            return _token_error("invalid_grant", "the account no longer exists")

        issued = int(provider.now())
        ttl = settings.token_ttl_s
        id_token = provider.key.sign({
            "iss": provider.issuer, "aud": grant.client_id, "exp": issued + ttl, "iat": issued,
            "auth_time": grant.auth_time, "nonce": grant.nonce, "acr": settings.acr, **account.claims()})
        access_token = provider.store.issue_token(AccessGrant(
            client_id=grant.client_id, sub=account.sub, scope=grant.scope, expires_at=issued + ttl,
            code_hash=digest(code)))
        log.info("token issued: sub %s", account.sub)
        return JSONResponse({"access_token": access_token, "token_type": "Bearer", "expires_in": ttl,
                             "id_token": id_token, "scope": grant.scope}, headers=NO_STORE)

    @app.api_route("/userinfo", methods=["GET", "POST"])
    def userinfo(request: Request) -> Response:
        scheme, _, value = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not value.strip():
            return _bearer_error("a Bearer access token is required", invalid=False)
        grant = provider.store.token_grant(value.strip())
        account = provider.accounts.by_sub(grant.sub) if grant else None
        if account is None:
            return _bearer_error("the access token is invalid or expired", invalid=True)
        return JSONResponse(account.claims(), headers=NO_STORE)

    metrics.install(app)  # GET /metrics; every request timed and logged
    return app
