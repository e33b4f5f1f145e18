"""Binding a conversation to a verified subject: the only way a conversation acts on a person's or a
company's data. Two ways in: a login through 统一身份认证 (OpenID Connect, ``oidc``) and, where no login
is possible, a one-time code sent to the mobile number the data account holds (``otp``).

Before binding nothing here says whether an identifier exists: sending a code answers the same for a
known number, an unknown one and one without a mobile (a decoy challenge that no code opens)."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from typing import Any, Dict, Optional

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from eligibility.auth import tokens
from eligibility.auth.principal import Principal
from eligibility.context import Context
from eligibility.errors import AppError
from eligibility.profiles.ids import kind_of
from eligibility.services import audit, outbox
from eligibility.services.profiles import checked_id, display_id
from eligibility.storage import tables as t
from privacy.masking import mask_name

CODE_SENT = "如该证件号码已在数据账户登记手机号，6位验证码已发送至该手机，{minutes}分钟内有效。请把验证码发给我。"
LOGIN_MINUTES = 10


def _hmac(ctx: Context, text: str) -> str:
    return hmac.new(ctx.token_secret.encode(), text.encode(), hashlib.sha256).hexdigest()


# ---- the binding itself -------------------------------------------------------------------------

def active(conn: Connection, ctx: Context, conversation_id: str) -> Optional[Dict[str, Any]]:
    """The conversation's live binding, or None (lapsed after ``binding_idle_minutes`` unused)."""
    row = conn.execute(sa.select(t.bindings).where(t.bindings.c.active_key == conversation_id)).mappings().first()
    if row is None:
        return None
    s = ctx.settings
    idle = dt.timedelta(days=s.wechat_binding_idle_days) if row["channel"] == "wechat" else \
        dt.timedelta(minutes=s.binding_idle_minutes)
    if row["last_seen_at"] + idle < ctx.now():
        return None
    return dict(row)


def subject_of(ctx: Context, conversation_id: str) -> Optional[str]:
    """The verified subject this conversation acts for (touches the binding at most once a minute)."""
    with ctx.db.read() as conn:
        row = active(conn, ctx, conversation_id)
    if row is None:
        return None
    now = ctx.now()
    if now - row["last_seen_at"] > dt.timedelta(minutes=1):
        with ctx.db.write() as conn:
            conn.execute(t.bindings.update().where(t.bindings.c.id == row["id"]).values(last_seen_at=now))
    return str(row["subject_id"])


def bind(conn: Connection, ctx: Context, conversation_id: str, channel: str, subject_id: str, method: str,
         idp_subject: Optional[str] = None) -> Dict[str, Any]:
    now = ctx.now()
    previous = conn.execute(sa.select(t.bindings).where(t.bindings.c.active_key == conversation_id)).mappings().first()
    if previous is not None:
        conn.execute(t.bindings.update().where(t.bindings.c.id == previous["id"]).values(revoked_at=now, active_key=None))
    conn.execute(t.bindings.insert().values(conversation_id=conversation_id, channel=channel, subject_id=subject_id,
                                            method=method, idp_subject=idp_subject, created_at=now, last_seen_at=now,
                                            active_key=conversation_id))
    audit.record(conn, ctx, f"{method}:{display_id(subject_id)}", "binding.create", "conversation", conversation_id,
                 subject_id=subject_id, before={"subject": display_id(previous["subject_id"])} if previous else None,
                 after={"subject": display_id(subject_id), "method": method, "channel": channel})
    return describe(conn, subject_id, method, now)


def describe(conn: Connection, subject_id: str, method: str, since: dt.datetime) -> Dict[str, Any]:
    row = conn.execute(sa.select(t.profiles.c.name, t.profiles.c.kind).where(t.profiles.c.id == subject_id)).first()
    kind = row.kind if row else kind_of(subject_id)
    name = (mask_name(row.name) if kind == "citizen" else row.name) if row else None
    return {"bound": True, "subject": {"id": display_id(subject_id), "kind": kind, "name": name,
                                       "in_data_account": row is not None},
            "method": method, "bound_at": since.isoformat(timespec="seconds")}


def current(ctx: Context, conversation_id: str) -> Dict[str, Any]:
    with ctx.db.read() as conn:
        row = active(conn, ctx, conversation_id)
        if row is None:
            return {"bound": False}
        return describe(conn, row["subject_id"], row["method"], row["created_at"])


def unbind(ctx: Context, conversation_id: str, actor: Principal) -> Dict[str, Any]:
    """Log out: the conversation stops acting for anyone. Idempotent."""
    with ctx.db.write() as conn:
        row = conn.execute(sa.select(t.bindings).where(t.bindings.c.active_key == conversation_id)).mappings().first()
        if row is None:
            return {"bound": False, "unbound": False}
        conn.execute(t.bindings.update().where(t.bindings.c.id == row["id"]).values(revoked_at=ctx.now(), active_key=None))
        audit.record(conn, ctx, actor, "binding.revoke", "conversation", conversation_id, subject_id=row["subject_id"],
                     before={"subject": display_id(row["subject_id"])}, after=None)
    return {"bound": False, "unbound": True}


def subject_token(ctx: Context, subject_id: str, conversation_id: Optional[str]) -> Dict[str, Any]:
    minutes = ctx.settings.subject_token_minutes
    token = tokens.issue(ctx.token_secret, "subject", subject_id, minutes, ctx.clock(),
                         conversation_id=conversation_id)
    return {"access_token": token, "token_type": "Bearer", "expires_in": minutes * 60}


# ---- one-time codes -----------------------------------------------------------------------------

def _too_many(conn: Connection, column: sa.Column, value: str, since: dt.datetime, limit: int) -> bool:
    count = conn.execute(sa.select(sa.func.count()).select_from(t.otp_challenges)
                         .where(column == value, t.otp_challenges.c.created_at >= since)).scalar()
    return int(count or 0) >= limit


def _rate_limited(seconds: int) -> AppError:
    minutes = max(1, (seconds + 59) // 60)
    return AppError(429, "rate_limited", f"验证码发送过于频繁，请{minutes}分钟后再试。",
                    f"too many one-time codes; retry after {seconds} s", {"retry_after": seconds})


def _challenge(conn: Connection, ctx: Context, conversation_id: str, subject_id: str, number_key: str, method: str,
               decoy: bool = False, idp_subject: Optional[str] = None) -> str:
    """A new 6-digit code for this conversation (superseding older ones); stored as a salted HMAC."""
    now = ctx.now()
    code = f"{secrets.randbelow(10**6):06d}"
    salt = secrets.token_hex(8)
    code_hash = f"{salt}:decoy-{secrets.token_hex(16)}" if decoy else f"{salt}:{_hmac(ctx, salt + code)}"
    conn.execute(t.otp_challenges.update().where(t.otp_challenges.c.conversation_id == conversation_id,
                                                 t.otp_challenges.c.consumed_at.is_(None)).values(consumed_at=now))
    conn.execute(t.otp_challenges.insert().values(
        conversation_id=conversation_id, subject_id=subject_id, number_key=number_key, code_hash=code_hash,
        method=method, idp_subject=idp_subject, attempts=0, created_at=now,
        expires_at=now + dt.timedelta(minutes=ctx.settings.otp_minutes)))
    return code


def send_code(ctx: Context, conversation_id: str, raw_subject: str) -> Dict[str, Any]:
    """Queue a 6-digit code to the data account's mobile; the same answer whether or not there is one."""
    subject_id = checked_id(raw_subject)  # a malformed number is the user's typo, said as such
    s = ctx.settings
    now = ctx.now()
    with ctx.db.write() as conn:
        mobile = conn.execute(sa.select(t.profiles.c.mobile).where(t.profiles.c.id == subject_id)).scalar()
        number_key = _hmac(ctx, f"mobile:{mobile}" if mobile else f"none:{subject_id}")
        hour_ago = now - dt.timedelta(hours=1)
        last = conn.execute(sa.select(sa.func.max(t.otp_challenges.c.created_at))
                            .where(t.otp_challenges.c.number_key == number_key)).scalar()
        if last is not None and (now - last).total_seconds() < s.otp_resend_seconds:
            raise _rate_limited(int(s.otp_resend_seconds - (now - last).total_seconds()) + 1)
        if _too_many(conn, t.otp_challenges.c.number_key, number_key, hour_ago, s.otp_per_number_per_hour) or \
                _too_many(conn, t.otp_challenges.c.conversation_id, conversation_id, hour_ago,
                          s.otp_per_conversation_per_hour):
            raise _rate_limited(3600)
        code = _challenge(conn, ctx, conversation_id, subject_id, number_key, "otp", decoy=not mobile)
        if mobile:
            outbox.queue_sms(conn, ctx, mobile, f"【政策通】您的验证码为{code}，{s.otp_minutes}分钟内有效。"
                             "如非本人操作，请忽略本短信。", "otp", subject_id)
        audit.record(conn, ctx, "service:actions", "otp.request", "conversation", conversation_id,
                     subject_id=subject_id if mobile else None)
    return {"sent": True, "expires_in": s.otp_minutes * 60, "message": CODE_SENT.format(minutes=s.otp_minutes)}


def verify_code(ctx: Context, conversation_id: str, code: str, channel: str) -> Dict[str, Any]:
    s = ctx.settings
    now = ctx.now()
    wrong: Optional[AppError] = None
    with ctx.db.write() as conn:
        row = conn.execute(sa.select(t.otp_challenges).where(
            t.otp_challenges.c.conversation_id == conversation_id, t.otp_challenges.c.consumed_at.is_(None))
            .order_by(t.otp_challenges.c.id.desc())).mappings().first()
        if row is None:
            raise AppError(400, "otp_not_requested", "请先告诉我您的身份证号或统一社会信用代码，我给登记的手机发验证码。",
                           "no open one-time code for this conversation")
        if row["expires_at"] < now:
            raise AppError(410, "otp_expired", "验证码已过期，请重新获取。", "the one-time code expired")
        if row["attempts"] >= s.otp_tries:
            raise AppError(429, "otp_locked", "验证码错误次数过多，请重新获取验证码。", "too many wrong codes")
        salt, _, expected = row["code_hash"].partition(":")
        good = code.isdigit() and len(code) == 6 and hmac.compare_digest(expected, _hmac(ctx, salt + code))
        if not good:
            attempts = row["attempts"] + 1
            conn.execute(t.otp_challenges.update().where(t.otp_challenges.c.id == row["id"]).values(attempts=attempts))
            left = s.otp_tries - attempts
            # raised once the transaction has committed: raising inside it would roll the count back
            wrong = AppError(429, "otp_locked", "验证码错误次数过多，请重新获取验证码。", "too many wrong codes") \
                if left <= 0 else AppError(400, "otp_invalid", f"验证码不正确，您还可以再试{left}次。",
                                           "wrong one-time code", {"tries_left": left})
        else:
            conn.execute(t.otp_challenges.update().where(t.otp_challenges.c.id == row["id"]).values(consumed_at=now))
            bound = bind(conn, ctx, conversation_id, channel, row["subject_id"], row["method"], row["idp_subject"])
    if wrong is not None:
        raise wrong
    return {**bound, **subject_token(ctx, row["subject_id"], conversation_id)}


# ---- 统一身份认证 (OpenID Connect authorization code flow) --------------------------------------

def start_login(ctx: Context, conversation_id: Optional[str], channel: str) -> Dict[str, Any]:
    """A short login link for the user's browser; the conversation is bound when the login returns."""
    from eligibility.auth.oidc import OidcError

    try:
        request = ctx.oidc().login_request()
    except OidcError as exc:  # the provider is down or misconfigured: say so, never a bare 500
        raise AppError(503, exc.code, "统一身份认证暂时无法使用，请稍后再试，或改用短信验证码验证身份。", exc.detail) from None
    now = ctx.now()
    with ctx.db.write() as conn:
        conn.execute(t.login_sessions.insert().values(
            state=request.state, nonce=request.nonce, code_verifier=request.code_verifier, authorize_url=request.url,
            conversation_id=conversation_id, channel=channel, created_at=now,
            expires_at=now + dt.timedelta(minutes=LOGIN_MINUTES)))
    return {"login_url": f"{ctx.settings.public_url.rstrip('/')}/auth/login/{request.state}",
            "expires_in": LOGIN_MINUTES * 60}


def login_redirect(ctx: Context, state: str) -> str:
    with ctx.db.read() as conn:
        row = conn.execute(sa.select(t.login_sessions).where(t.login_sessions.c.state == state)).mappings().first()
    if row is None or row["used_at"] is not None or row["expires_at"] < ctx.now():
        raise AppError(410, "login_expired", "登录链接已失效，请回到对话重新获取。", "unknown, used or expired login link")
    return str(row["authorize_url"])


def finish_login(ctx: Context, state: str, code: str) -> Dict[str, Any]:
    """Exchange the code, verify the ID token, bind the conversation; the session is single-use."""
    from eligibility.auth.oidc import OidcError

    now = ctx.now()
    with ctx.db.write() as conn:
        row = conn.execute(sa.select(t.login_sessions).where(t.login_sessions.c.state == state)).mappings().first()
        if row is None or row["used_at"] is not None or row["expires_at"] < now:
            raise AppError(410, "login_expired", "登录链接已失效，请回到对话重新获取。", "unknown, used or expired state")
        conn.execute(t.login_sessions.update().where(t.login_sessions.c.state == state).values(used_at=now))
    try:
        identity = ctx.oidc().exchange(code, row["code_verifier"], row["nonce"])
    except OidcError as exc:
        raise AppError(401, exc.code, "统一身份认证未能完成，请重新登录。", exc.detail) from None
    raw = identity.id_number if identity.subject_type == "natural_person" else identity.uscc
    if not raw:
        raise AppError(401, "oidc_no_identifier", "统一身份认证未返回证件号码，请重新登录。", "no id_number/uscc claim")
    subject_id = checked_id(raw)
    with ctx.db.write() as conn:
        if row["conversation_id"]:
            # The person who logged in proves they are the one in the chat by typing the code this page shows
            # there: a login link forwarded to someone else never binds their identity to the sender's chat.
            code = _challenge(conn, ctx, row["conversation_id"], subject_id, _hmac(ctx, f"oidc:{subject_id}"), "oidc",
                              idp_subject=identity.sub)
            audit.record(conn, ctx, f"oidc:{display_id(subject_id)}", "login", "conversation", row["conversation_id"],
                         subject_id=subject_id, reason="confirmation code shown; bound when typed in the chat")
            return {**describe(conn, subject_id, "oidc", now), "bound": False, "confirmation_code": code,
                    "expires_in": ctx.settings.otp_minutes * 60}
        bound = describe(conn, subject_id, "oidc", now)
        audit.record(conn, ctx, f"oidc:{display_id(subject_id)}", "login", "subject", display_id(subject_id),
                     subject_id=subject_id)
    return {**bound, **subject_token(ctx, subject_id, None)}
