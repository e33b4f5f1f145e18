"""Signing in and out of the console: a staff token in an HttpOnly, SameSite=Strict cookie."""

from __future__ import annotations

from typing import List

from fastapi import APIRouter, Depends
from fastapi.responses import Response
from pydantic import BaseModel

from eligibility.api.response import MaskedJSONResponse
from eligibility.api.routes.deps import CONSOLE_COOKIE, console_principal, context
from eligibility.api.schemas import StaffLogin
from eligibility.auth.principal import Principal
from eligibility.context import Context
from eligibility.services import staff

router = APIRouter(prefix="/api/console", tags=["console"])


class ConsoleUser(BaseModel):
    username: str
    display_name: str
    roles: List[str]


@router.post("/session", response_model=ConsoleUser, summary="工作台登录：设置会话 Cookie（HttpOnly、SameSite=Strict）")
def login(body: StaffLogin, ctx: Context = Depends(context)) -> Response:
    out = staff.login(ctx, body.username, body.password)
    resp = MaskedJSONResponse({"username": body.username, "display_name": out["display_name"], "roles": out["roles"]})
    resp.set_cookie(CONSOLE_COOKIE, out["access_token"], max_age=out["expires_in"], httponly=True, samesite="strict",
                    secure=ctx.settings.console_cookie_secure, path="/")
    return resp


@router.get("/session", response_model=ConsoleUser, summary="当前登录的工作人员")
def whoami(ctx: Context = Depends(context), p: Principal = Depends(console_principal)) -> ConsoleUser:
    return ConsoleUser(username=p.name, display_name=staff.display_name(ctx, p.name), roles=sorted(p.roles))


@router.delete("/session", status_code=204, summary="退出工作台")
def logout(p: Principal = Depends(console_principal)) -> Response:
    resp = Response(status_code=204)
    resp.delete_cookie(CONSOLE_COOKIE, path="/")
    return resp
