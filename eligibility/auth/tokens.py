"""Bearer tokens (JWT, HS256): subject and staff tokens this service issues, and the action server's own
service tokens, signed with its separate key. Every token names its audience, issuer and expiry."""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any, Dict, Iterable, Optional

import jwt

from eligibility.errors import AppError

AUDIENCE = "zhengcetong-eligibility"
ISSUER = "zhengcetong-eligibility"  # subject and staff tokens
SERVICE_ISSUER = "policybot-actions"  # tokens the action server mints with the service key
ALGORITHMS = ["HS256"]


def issue(secret: str, kind: str, subject: str, minutes: int, now: dt.datetime,
          roles: Iterable[str] = (), conversation_id: Optional[str] = None) -> str:
    claims: Dict[str, Any] = {"iss": ISSUER, "aud": AUDIENCE, "typ": kind, "sub": subject,
                              "iat": int(now.timestamp()), "exp": int((now + dt.timedelta(minutes=minutes)).timestamp()),
                              "jti": secrets.token_hex(8)}
    if roles:
        claims["roles"] = sorted(roles)
    if conversation_id:
        claims["conv"] = conversation_id
    return jwt.encode(claims, secret, algorithm="HS256")


def service_token(key: str, now: Optional[dt.datetime] = None, minutes: int = 5) -> str:
    """What the action server presents (it mints its own with the shared service key)."""
    now = now or dt.datetime.now(dt.timezone.utc)
    return jwt.encode({"iss": SERVICE_ISSUER, "aud": AUDIENCE, "typ": "service", "sub": "actions",
                       "iat": int(now.timestamp()), "exp": int((now + dt.timedelta(minutes=minutes)).timestamp())},
                      key, algorithm="HS256")


def unauthorized(code: str, message: str, detail: str) -> AppError:
    return AppError(401, code, message, detail)


def verify(token: str, secret: str, service_key: Optional[str]) -> Dict[str, Any]:
    """The verified claims, or a 401 AppError (missing, malformed, forged, expired, wrong audience)."""
    try:
        unverified = jwt.decode(token, options={"verify_signature": False})
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError as exc:
        raise unauthorized("invalid_token", "登录凭证无效，请重新登录。", f"malformed token: {type(exc).__name__}") from None
    if header.get("alg") not in ALGORITHMS:
        raise unauthorized("invalid_token", "登录凭证无效，请重新登录。", "unsupported signing algorithm")
    issuer = unverified.get("iss")
    if issuer == SERVICE_ISSUER:
        if not service_key:
            raise unauthorized("invalid_token", "登录凭证无效。", "service tokens are not accepted (no service key set)")
        key = service_key
    elif issuer == ISSUER:
        key = secret
    else:
        raise unauthorized("invalid_token", "登录凭证无效，请重新登录。", "unknown issuer")
    try:
        claims = jwt.decode(token, key, algorithms=ALGORITHMS, audience=AUDIENCE, issuer=issuer,
                            options={"require": ["exp", "iat", "sub", "aud", "iss"]}, leeway=10)
    except jwt.ExpiredSignatureError:
        raise unauthorized("token_expired", "登录已过期，请重新登录。", "token expired") from None
    except jwt.InvalidAudienceError:
        raise unauthorized("invalid_token", "登录凭证无效，请重新登录。", "wrong audience") from None
    except jwt.PyJWTError as exc:
        raise unauthorized("invalid_token", "登录凭证无效，请重新登录。", f"invalid token: {type(exc).__name__}") from None
    expected = "service" if issuer == SERVICE_ISSUER else ("subject", "staff")
    if claims.get("typ") not in expected:
        raise unauthorized("invalid_token", "登录凭证无效，请重新登录。", "token type does not match its issuer")
    return claims
