"""The console's pages and its session: the login page is public; the console and its script, and every
/api/console route, answer only a signed-in member of staff; cookie-authenticated changes need X-Console."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Iterator, List, Tuple

import pytest
from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from fastapi.testclient import TestClient

from eligibility.auth import tokens
from eligibility.services import staff
from eligibility.storage import tables as t
from tests.eligibility.conftest import bearer, minted, service_headers, staff_headers
from tests.eligibility.console_session import CHEN, CSRF, console_app, error_code, signed_in

ROOT = Path(__file__).resolve().parents[2]
WEB = ROOT / "web" / "console"
PUBLIC = {"/console/login": "login.html", "/console/login.js": "login.js", "/console/console.css": "console.css"}
PRIVATE = {"/console/": "index.html", "/console/app.js": "app.js"}


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FastAPI]:
    yield console_app(tmp_path_factory.mktemp("console-pages"))


def console_routes(app: FastAPI) -> List[Tuple[str, str]]:
    """Every /api/console route but the login, with a concrete path (path parameters filled in)."""
    out = []
    for route in app.routes:
        path = getattr(route, "path", "")
        if not path.startswith("/api/console/"):
            continue
        for method in sorted(getattr(route, "methods", ())):
            if (method, path) != ("POST", "/api/console/session"):
                out.append((method, re.sub(r"\{[^}]+\}", "GD20261127ABCDEF01", path)))
    return out


def test_the_login_page_and_its_assets_are_public(app: FastAPI) -> None:
    anonymous = TestClient(app)
    for url, name in PUBLIC.items():
        r = anonymous.get(url)
        assert r.status_code == 200, url
        assert r.content == (WEB / name).read_bytes()
        assert "default-src 'self'" in r.headers["content-security-policy"]
        assert r.headers["x-content-type-options"] == "nosniff"
    page = anonymous.get("/console/login")
    assert page.headers["content-type"].startswith("text/html")
    assert 'id="login-form"' in page.text and 'type="password"' in page.text and "登录" in page.text
    assert anonymous.get("/console/login.js").headers["content-type"].startswith("text/javascript")
    assert anonymous.get("/console/console.css").headers["content-type"].startswith("text/css")
    # nothing on the public pages comes from elsewhere (no CDN)
    for name in ("login.html", "index.html", "app.js", "login.js", "console.css"):
        assert not re.search(r"(src|href)=\"(https?:)?//", (WEB / name).read_text(encoding="utf-8")), name


def test_the_console_needs_a_session(app: FastAPI) -> None:
    anonymous = TestClient(app)
    assert anonymous.get("/console", follow_redirects=False).headers["location"] == "/console/"
    for url in PRIVATE:
        r = anonymous.get(url)
        assert r.status_code == 401, url
        assert r.headers["content-type"].startswith("text/html")
        assert "请先登录" in r.text and 'href="/console/login"' in r.text
        assert r.headers["cache-control"] == "no-store"
        assert "app.js" not in r.text and "assist" not in r.text  # nothing of the console itself
    ctx = app.state.ctx
    refused = {
        "a subject's token": minted(anonymous, CHEN),
        "the action server's token": service_headers("conv-pages"),
        "a forged staff token": bearer(tokens.issue("not-the-secret-of-this-service-at-all!!", "staff", "admin", 30,
                                                    ctx.clock())),
        "an expired staff token": bearer(tokens.issue(ctx.token_secret, "staff", "admin", -5, ctx.clock())),
    }
    for what, headers in refused.items():
        for url in PRIVATE:
            assert anonymous.get(url, headers=headers).status_code == 401, (what, url)
    forged_cookie = TestClient(app, cookies={"console_session": "not-a-token"})
    assert forged_cookie.get("/console/").status_code == 401
    subject_cookie = TestClient(app, cookies={"console_session": minted(anonymous, CHEN)["Authorization"][7:]})
    assert subject_cookie.get("/console/").status_code == 401


def test_signed_in_staff_get_the_console_until_they_sign_out(app: FastAPI) -> None:
    for role in ("operator", "reviewer", "admin"):
        browser = signed_in(app, role)
        for url, name in PRIVATE.items():
            r = browser.get(url)
            assert r.status_code == 200, (role, url)
            assert r.content == (WEB / name).read_bytes()
            assert r.headers["cache-control"] == "no-store"
        me = browser.get("/api/console/session").json()
        assert me["username"] == role and me["roles"] == [role]
    browser = signed_in(app, "operator")
    assert browser.delete("/api/console/session", headers=CSRF).status_code == 204
    assert browser.get("/console/").status_code == 401
    assert browser.get("/api/console/session").status_code == 401
    # a script may use a staff bearer token instead of the cookie
    assert TestClient(app).get("/console/", headers=staff_headers(TestClient(app), "operator")).status_code == 200


def test_a_deactivated_account_loses_the_console_at_once(app: FastAPI) -> None:
    ctx = app.state.ctx
    staff.add(ctx, "temp-console", "临时坐席", ["operator"], "Temp@20260")
    browser = signed_in(app, "temp-console", "Temp@20260")
    assert browser.get("/console/").status_code == 200
    with ctx.db.write() as conn:
        conn.execute(t.staff_users.update().where(t.staff_users.c.username == "temp-console").values(active=False))
    assert browser.get("/console/").status_code == 401
    assert error_code(browser.get("/api/console/tickets")) == "console_login_required"


def test_every_console_api_answers_401_without_a_session(app: FastAPI) -> None:
    routes = console_routes(app)
    mine = {("POST", "/api/console/assist"), ("POST", "/api/console/quick-check"), ("POST", "/api/console/work-orders"),
            ("GET", "/api/console/work-orders/draft"), ("GET", "/api/console/tickets"),
            ("GET", "/api/console/tickets/GD20261127ABCDEF01"), ("PATCH", "/api/console/tickets/GD20261127ABCDEF01"),
            ("GET", "/api/console/reviews"), ("POST", "/api/console/reviews/GD20261127ABCDEF01")}
    assert mine <= set(routes)
    anonymous = TestClient(app)
    for method, url in routes:
        for headers in ({}, CSRF):
            r = anonymous.request(method, url, headers=headers, json={})
            assert r.status_code == 401, (method, url, headers, r.text)
            assert error_code(r) == "console_login_required"
        # a valid token that is not staff (a citizen's, the action server's): authenticated, not allowed
        for headers in (minted(anonymous, CHEN), service_headers("conv-pages")):
            r = anonymous.request(method, url, headers=headers, json={})
            assert r.status_code == 403 and error_code(r) == "staff_only", (method, url, r.text)


def test_cookie_sessions_need_the_console_header_for_changes(app: FastAPI) -> None:
    browser = signed_in(app, "operator")
    for method, url, body in (("POST", "/api/console/assist", {"question": "高龄老人津贴怎么领"}),
                              ("POST", "/api/console/quick-check", {"subject_id": CHEN, "reason": "来电咨询"}),
                              ("PATCH", "/api/console/tickets/GD20261127ABCDEF01", {"note": "已回电"}),
                              ("POST", "/api/console/work-orders", {"caller": "市民", "question": "问", "outcome": "答",
                                                                    "next_step": "无"})):
        r = browser.request(method, url, json=body)
        assert r.status_code == 403 and error_code(r) == "csrf_check_failed", (url, r.text)
        assert "刷新" in r.json()["error"]["message"]
        assert browser.request(method, url, json=body, headers={"X-Console": "0"}).status_code == 403
    # reads need no header; a staff bearer token (a script, not a browser) needs none either
    assert browser.get("/api/console/tickets").status_code == 200
    script = staff_headers(TestClient(app), "operator")
    r = TestClient(app).post("/api/console/quick-check", json={"subject_id": CHEN, "reason": "来电咨询"}, headers=script)
    assert r.status_code == 200, r.text


def test_only_the_console_routes_serve_web_console(app: FastAPI) -> None:
    served = set()
    for route in app.routes:
        path = getattr(route, "path", "")
        files = getattr(route, "app", None)
        if isinstance(files, StaticFiles):
            directory = Path(str(files.directory)).resolve()
            assert directory != WEB.resolve() and WEB.resolve() not in directory.parents, path
            assert directory != WEB.parent.resolve(), f"{path} serves all of web/"
        if path.startswith("/console"):
            served.add(path)
    assert served == {"/console", *PUBLIC, *PRIVATE}
    anonymous = TestClient(app)
    for url in ("/web/console/app.js", "/web/console/index.html", "/chat/%2e%2e/console/app.js", "/console/index.html"):
        assert anonymous.get(url).status_code == 404, url
