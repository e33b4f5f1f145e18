"""Dependencies every route shares: the running context and the caller (``Principal``) from its token."""

from __future__ import annotations

from typing import Callable, Optional

from fastapi import Depends, Request

from eligibility.auth import tokens
from eligibility.auth.access import require_role
from eligibility.auth.principal import Principal
from eligibility.context import Context
from eligibility.errors import AppError
from eligibility.services import bindings, staff
from eligibility.services.profiles import display_id

CONVERSATION_HEADER = "X-Conversation-Id"


def context(request: Request) -> Context:
    return request.app.state.ctx


def _bearer(request: Request) -> Optional[str]:
    header = request.headers.get("authorization")
    if not header:
        return None
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise AppError(401, "invalid_token", "登录凭证无效，请重新登录。", "expected 'Authorization: Bearer <token>'")
    return token.strip()


def optional_principal(request: Request, ctx: Context = Depends(context)) -> Optional[Principal]:
    token = _bearer(request)
    if token is None:
        return None
    claims = tokens.verify(token, ctx.token_secret, ctx.settings.service_key)
    kind, sub = claims["typ"], str(claims["sub"])
    if kind == "service":
        conversation = request.headers.get(CONVERSATION_HEADER)
        if conversation is not None and not 1 <= len(conversation) <= 80:
            raise AppError(400, "invalid_conversation", "会话标识不正确。", "X-Conversation-Id must have 1-80 characters")
        subject = bindings.subject_of(ctx, conversation) if conversation else None
        name = f"{sub}/{display_id(subject)}" if subject else sub  # the audit names whom it acted for
        return Principal("service", name, subject_id=subject, conversation_id=conversation)
    if kind == "staff":
        roles = staff.roles_of(ctx, sub)
        if not roles:
            raise AppError(401, "account_disabled", "该工作人员账号已停用，请联系管理员。", "staff account removed or inactive")
        return Principal("staff", sub, roles=frozenset(roles))
    conv = claims.get("conv")
    if conv and bindings.subject_of(ctx, str(conv)) != sub:
        conv = None  # that conversation was logged out or bound to someone else since: the token no longer speaks for it
    return Principal("subject", display_id(sub), subject_id=sub, conversation_id=conv)


def principal(p: Optional[Principal] = Depends(optional_principal)) -> Principal:
    if p is None:
        raise AppError(401, "auth_required", "请先登录。", "this endpoint needs 'Authorization: Bearer <token>'")
    return p


def staff_with(*roles: str) -> Callable[[Principal], Principal]:
    """A dependency: a member of staff with one of ``roles`` (admin has every role)."""

    def dependency(p: Principal = Depends(principal)) -> Principal:
        require_role(p, *roles)
        return p

    return dependency


CONSOLE_COOKIE = "console_session"  # the 12345 console's session: a staff token, HttpOnly, SameSite=Strict
CONSOLE_HEADER = "X-Console"  # sent by the console's own script; a cross-site form cannot send it (no CORS)
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


def console_login_required(detail: str) -> AppError:
    return AppError(401, "console_login_required", "请先登录工作台。", detail)


def console_principal(request: Request, ctx: Context = Depends(context)) -> Principal:
    """A member of staff signed in to the console (its cookie, or a staff bearer token for scripts)."""
    cookie = request.cookies.get(CONSOLE_COOKIE)
    token = _bearer(request) or cookie
    if not token:
        raise console_login_required("no console session cookie or bearer token")
    try:
        claims = tokens.verify(token, ctx.token_secret, ctx.settings.service_key)
    except AppError as exc:
        raise console_login_required(f"session invalid: {exc.detail}") from exc
    if claims["typ"] != "staff":  # a valid token of someone else (a citizen, the action server): not staff
        raise AppError(403, "staff_only", "该功能仅供工作人员使用。", "the console needs a staff session")
    if token == cookie and request.method not in SAFE_METHODS and request.headers.get(CONSOLE_HEADER) != "1":
        raise AppError(403, "csrf_check_failed", "请求来源无法确认，请刷新工作台后重试。",
                       f"cookie-authenticated {request.method} needs the {CONSOLE_HEADER}: 1 header")
    username = str(claims["sub"])
    roles = staff.roles_of(ctx, username)
    if not roles:
        raise console_login_required("staff account removed or inactive")
    return Principal("staff", username, roles=frozenset(roles))


def console_staff(*roles: str) -> Callable[[Principal], Principal]:
    """A dependency for /api/console routes: a signed-in member of staff with one of ``roles``."""

    def dependency(p: Principal = Depends(console_principal)) -> Principal:
        require_role(p, *roles)
        return p

    return dependency


def service_caller(p: Principal = Depends(principal)) -> Principal:
    """The action server, speaking for one conversation (X-Conversation-Id)."""
    if p.kind != "service" or not p.conversation_id:
        raise AppError(403, "service_only", "此接口仅供对话服务调用。",
                       "needs the action server's service token and X-Conversation-Id")
    return p


def idempotency_key_of(in_body: Optional[str], in_header: Optional[str]) -> Optional[str]:
    """The idempotency key, given in the body or the ``Idempotency-Key`` header (both: they must agree)."""
    if in_body and in_header and in_body != in_header:
        raise AppError(422, "idempotency_key_conflict", "请求头与请求体中的幂等键不一致。", "header and body keys differ")
    return in_body or in_header
