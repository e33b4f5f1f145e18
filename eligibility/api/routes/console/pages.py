"""The console's pages (web/console): the login page is public, every other page needs a session (401).

The login page, its script and the style sheet hold nothing but the form. The console itself (its page and
its script) is served only to a signed-in member of staff: the session is checked by ``console_principal``,
the same check as every /api/console route; without one the answer is a 401 page linking to the login."""

from __future__ import annotations

from typing import Dict, Optional

from fastapi import APIRouter, Depends, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response

from eligibility.api.routes.deps import console_principal, context
from eligibility.auth.principal import Principal
from eligibility.context import Context
from eligibility.errors import AppError

router = APIRouter(include_in_schema=False)
LOGIN = "/console/login"
TYPES = {".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8"}
# no framing, no third-party anything, scripts and styles from this origin only (no inline code)
HEADERS = {"Content-Security-Policy": "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; "
                                      "base-uri 'none'; form-action 'self'",
           "X-Content-Type-Options": "nosniff", "Referrer-Policy": "same-origin", "X-Frame-Options": "DENY"}
PRIVATE = {**HEADERS, "Cache-Control": "no-store"}
LOGIN_REQUIRED = f"""<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>请先登录 · 12345 工作台</title><link rel="stylesheet" href="/console/console.css"></head>
<body class="login-page"><main class="login-card"><h1>请先登录</h1>
<p>工作台仅供热线坐席和审核人员使用，请登录后再访问。</p>
<p><a class="button primary" href="{LOGIN}">前往登录</a></p></main></body></html>"""


def page_principal(request: Request, ctx: Context = Depends(context)) -> Optional[Principal]:
    """The signed-in member of staff (``console_principal``'s check), or None: the page then says 请先登录."""
    try:
        return console_principal(request, ctx)
    except AppError:
        return None


def _file(ctx: Context, name: str, headers: Dict[str, str]) -> Response:
    path = ctx.settings.web_dir / "console" / name
    if not path.is_file():
        raise AppError(404, "not_found", "您访问的地址不存在。", f"web/console/{name} is missing")
    return FileResponse(path, media_type=TYPES[path.suffix], headers=headers)


def _private(ctx: Context, p: Optional[Principal], name: str) -> Response:
    if p is None:
        return HTMLResponse(LOGIN_REQUIRED, status_code=401,
                            headers={**PRIVATE, "WWW-Authenticate": 'Bearer realm="console"'})
    return _file(ctx, name, PRIVATE)


@router.get("/console")
def console_root() -> Response:
    return RedirectResponse("/console/", status_code=307)


@router.get(LOGIN)
def login_page(ctx: Context = Depends(context)) -> Response:
    return _file(ctx, "login.html", HEADERS)


@router.get("/console/login.js")
def login_script(ctx: Context = Depends(context)) -> Response:
    return _file(ctx, "login.js", HEADERS)


@router.get("/console/console.css")
def style_sheet(ctx: Context = Depends(context)) -> Response:
    return _file(ctx, "console.css", HEADERS)


@router.get("/console/")
def console_page(ctx: Context = Depends(context), p: Optional[Principal] = Depends(page_principal)) -> Response:
    return _private(ctx, p, "index.html")


@router.get("/console/app.js")
def console_script(ctx: Context = Depends(context), p: Optional[Principal] = Depends(page_principal)) -> Response:
    return _private(ctx, p, "app.js")
