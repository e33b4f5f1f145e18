"""What the console tests share: an app on a temp SQLite file with a small demo data account, and browsers
signed in to the console the way the page does it (POST /api/console/session sets the HttpOnly cookie; the
page's script sends ``X-Console: 1`` on every unsafe request)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Dict

from fastapi import FastAPI
from fastapi.testclient import TestClient

from eligibility.app import create_app
from eligibility.settings import Settings
from tests.eligibility.conftest import STAFF_PASSWORD, TODAY, auth_settings

CSRF = {"X-Console": "1"}
CHEN = "440309194803150023"  # 陈桂兰, 78: 高龄老人津贴 (免申即享), a citizen of the demo data account
HUAXIN = "91440309MA5H2KQ3XC"  # 华芯智云, an enterprise of the demo data account


def console_app(tmp: Path, **kw: Any) -> FastAPI:
    settings = Settings(database_url=f"sqlite:///{tmp / 'console.db'}", today=TODAY, demo_enterprises=30,
                        demo_citizens=30, jobs_interval_hours=0, **auth_settings(tmp, **kw))
    return create_app(settings)


def signed_in(app: FastAPI, username: str, password: str = STAFF_PASSWORD) -> TestClient:
    """A browser of its own with the console's session cookie of ``username``."""
    browser = TestClient(app)
    r = browser.post("/api/console/session", json={"username": username, "password": password})
    assert r.status_code == 200, r.text
    assert "console_session" in browser.cookies
    return browser


def error_code(r: Any) -> str:
    body: Dict[str, Any] = r.json()
    return str(body["error"]["code"])
