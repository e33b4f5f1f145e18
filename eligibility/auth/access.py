"""Who may act on whose data. A subject acts on its own data only; the action server acts for the subject
its conversation is bound to; staff read with a role (and every read of personal data is audited)."""

from __future__ import annotations

from eligibility.auth.principal import Principal
from eligibility.errors import AppError
from eligibility.services.profiles import checked_id

ME = "me"  # the path and body alias for "the subject I am bound to"


def forbidden(detail: str = "the caller may not act on this subject") -> AppError:
    return AppError(403, "forbidden", "您无权查看或办理他人的事项。", detail)


def not_bound() -> AppError:
    return AppError(403, "not_bound", "为保护您的信息，请先完成身份验证（统一身份认证登录或短信验证码）再办理。",
                    "the conversation is not bound to a verified subject")


def own_subject(p: Principal, raw: str, *, staff_roles: tuple = ()) -> str:
    """The subject id the caller may act on for ``raw`` (an id or ``me``), or 403.
    Authorization comes before any lookup, so the answer never tells whether an id exists."""
    if raw.strip().lower() == ME:
        if p.subject_id is None:
            raise not_bound()
        return p.subject_id
    if staff_roles and p.has_role(*staff_roles):
        return checked_id(raw)
    if p.subject_id is None:
        raise not_bound() if p.kind == "service" else forbidden()
    pid = checked_id(raw)
    if pid != p.subject_id:
        raise forbidden()
    return pid


def require_role(p: Principal, *roles: str) -> None:
    if not p.has_role(*roles):
        raise AppError(403, "forbidden_role", "您没有办理此项业务的权限。", f"needs one of the roles {roles}")
