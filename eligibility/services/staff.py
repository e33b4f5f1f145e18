"""Staff accounts (hotline operators, reviewers, administrators): argon2id hashes, roles, login."""

from __future__ import annotations

import re
from typing import Any, Dict, Iterable, List

import sqlalchemy as sa

from eligibility.auth import tokens
from eligibility.auth.passwords import hash_password, verify_password
from eligibility.auth.principal import ROLES
from eligibility.context import Context
from eligibility.errors import AppError, invalid
from eligibility.services import audit
from eligibility.storage import tables as t

DEV_ACCOUNTS = (("operator", "热线坐席（开发）", ("operator",)), ("reviewer", "审核人员（开发）", ("reviewer",)),
                ("admin", "管理员（开发）", ("admin",)))


def add(ctx: Context, username: str, display_name: str, roles: Iterable[str], password: str) -> Dict[str, Any]:
    if not re.fullmatch(r"[A-Za-z0-9_.\-]{1,40}", username):
        raise invalid("invalid_username", "账号应为1至40位的字母、数字、下划线、连字符或点。", "username: 1-40 of [A-Za-z0-9_.-]")
    roles = sorted(set(roles))
    bad = [r for r in roles if r not in ROLES]
    if bad or not roles:
        raise invalid("invalid_role", "角色应为 operator、reviewer 或 admin。", f"unknown roles {bad}")
    if len(password) < 8:
        raise invalid("weak_password", "密码至少8位。", "password shorter than 8 characters")
    with ctx.db.write() as conn:
        if conn.execute(sa.select(t.staff_users.c.username).where(t.staff_users.c.username == username)).first():
            raise AppError(409, "staff_exists", "该工作人员账号已存在。", f"staff user {username} exists")
        conn.execute(t.staff_users.insert().values(username=username, display_name=display_name, roles=",".join(roles),
                                                   password_hash=hash_password(password), active=True,
                                                   created_at=ctx.now()))
        audit.record(conn, ctx, "system", "staff.create", "staff", username, after={"roles": roles})
    return {"username": username, "display_name": display_name, "roles": roles}


def seed_dev_accounts(ctx: Context, password: str) -> List[str]:
    """Development only: operator / reviewer / admin with one password, when there is no staff at all."""
    with ctx.db.read() as conn:
        if conn.execute(sa.select(sa.func.count()).select_from(t.staff_users)).scalar():
            return []
    made = []
    for username, name, roles in DEV_ACCOUNTS:
        try:
            add(ctx, username, name, roles, password)
            made.append(username)
        except AppError:  # another worker seeded it first
            pass
    return made


def login(ctx: Context, username: str, password: str) -> Dict[str, Any]:
    with ctx.db.read() as conn:
        row = conn.execute(sa.select(t.staff_users).where(t.staff_users.c.username == username)).mappings().first()
    ok = verify_password(row["password_hash"] if row else None, password)
    if not ok or row is None or not row["active"]:
        raise AppError(401, "invalid_credentials", "账号或密码不正确。", "invalid username or password")
    roles = [r for r in row["roles"].split(",") if r]
    minutes = ctx.settings.staff_token_minutes
    token = tokens.issue(ctx.token_secret, "staff", username, minutes, ctx.clock(), roles=roles)
    with ctx.db.write() as conn:
        audit.record(conn, ctx, f"staff:{username}", "staff.login", "staff", username)
    return {"access_token": token, "token_type": "Bearer", "expires_in": minutes * 60, "roles": roles,
            "display_name": row["display_name"]}


def roles_of(ctx: Context, username: str) -> List[str]:
    """The account's current roles; [] when it was removed or deactivated (its tokens stop working)."""
    with ctx.db.read() as conn:
        row = conn.execute(sa.select(t.staff_users.c.roles, t.staff_users.c.active)
                           .where(t.staff_users.c.username == username)).first()
    if row is None or not row.active:
        return []
    return [r for r in row.roles.split(",") if r]


def display_name(ctx: Context, username: str) -> str:
    with ctx.db.read() as conn:
        name = conn.execute(sa.select(t.staff_users.c.display_name).where(t.staff_users.c.username == username)).scalar()
    return str(name or username)
