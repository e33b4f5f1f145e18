"""Fixtures: a throwaway PostgreSQL cluster (session), small corpora written on the fly, app clients, and
the credentials the API asks for (service token, staff login, a subject bound through the real OTP flow)."""

from __future__ import annotations

import datetime as dt
import logging
import re
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List, Optional

import pytest
import sqlalchemy as sa
import yaml
from fastapi.testclient import TestClient

from eligibility.app import create_app
from eligibility.auth import tokens
from eligibility.services.profiles import checked_id
from eligibility.settings import Settings
from eligibility.storage import tables as t
from eligibility.storage.pgtemp import PostgresUnavailable, TempPostgres
from knowledge.corpus import RULE_KEYS, rules_dir
from privacy.logging import MaskingFilter
from privacy.masking import mask_text as mask_ids

TODAY = dt.date(2026, 11, 27)
ROOT = Path(__file__).resolve().parents[2]
SERVICE_KEY = "test-service-key-for-the-action-server"
STAFF_PASSWORD = "Staff@2026"  # the development accounts operator / reviewer / admin (Settings default)
NO_IDP = "http://127.0.0.1:9"  # nothing listens there: 统一身份认证 is unreachable in these tests
CODE = re.compile(r"验证码为(\d{6})")


def auth_settings(tmp: Path, **kw: Any) -> Dict[str, Any]:
    """The identity settings every test app gets: a service key, secrets in a temp dir, no provider."""
    return {"service_key": SERVICE_KEY, "secrets_dir": tmp / "secrets", "oidc_issuer": NO_IDP, **kw}


@pytest.fixture(autouse=True)
def _test_client_log_masked() -> Iterator[None]:
    """The test client (httpx) logs every request's URL at INFO, and these tests put ID numbers in paths on
    purpose (a stranger's ID number is the attack). Only that client-side line is masked here; what the
    service itself logs is still checked, unmasked, by tests/conftest.py."""
    logger, mask = logging.getLogger("httpx"), MaskingFilter()
    logger.addFilter(mask)
    try:
        yield
    finally:
        logger.removeFilter(mask)


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """A PostgreSQL server started from the Debian binaries in a temp dir, stopped at the end of the session.
    Missing PostgreSQL is a failure, not a skip."""
    try:
        server = TempPostgres("eligibility_test").start()
    except PostgresUnavailable as exc:
        pytest.fail(str(exc), pytrace=False)
    try:
        yield server.url
    finally:
        server.stop()


@pytest.fixture()
def fresh_pg(pg_url: str) -> Iterator[str]:
    """An empty schema in the shared test database for one test."""
    import sqlalchemy as sa

    engine = sa.create_engine(pg_url)
    with engine.begin() as c:
        c.execute(sa.text("DROP SCHEMA public CASCADE"))
        c.execute(sa.text("CREATE SCHEMA public"))
    engine.dispose()
    yield pg_url


def doc(doc_id: str, conditions: List[Any], *, audience: str = "enterprise", mode: str = "常规申报",
        complete: bool = True, window: Optional[Dict[str, Any]] = None, amount: Optional[float] = 10,
        formula: Optional[str] = None, category: str = "科技创新", materials: Optional[List[str]] = None,
        title: Optional[str] = None) -> Dict[str, Any]:
    """A valid knowledge document with the given conditions."""
    return {
        "id": doc_id, "kind": "policy", "title": title or f"测试政策{doc_id}", "issuer": "测试局", "level": "区级",
        "region": "龙华区", "category": category, "audience": audience, "summary": "用于测试的政策。",
        "articles": [{"heading": "第一条 支持对象", "text": f"测试政策{doc_id}的支持对象是符合条件的主体。"}],
        "conditions": conditions, "conditions_complete": complete,
        "benefit": {"text": "奖励测试金额。", "max_amount_wan": amount, "formula": formula},
        "materials": materials or [], "window": window or {"text": "以主管部门最新通知为准"}, "mode": mode,
        "faq": [{"q": f"问题{i}", "a": f"回答{i}"} for i in range(3)],
        "source_url": "https://example.gov.cn/p", "source_date": "2024-01-01", "source_quality": "gov",
    }


def write_corpus(root: Path, docs: List[Dict[str, Any]]) -> Path:
    """Each document's text under root and its conditions in a rule file under rules_dir(root), as in knowledge/."""
    for d in docs:
        place = Path("citizen" if d["audience"] == "citizen" else "enterprise") / f"{d['id']}.yaml"
        text = {k: v for k, v in d.items() if k not in RULE_KEYS}
        rules = {"id": d["id"], **{k: d[k] for k in RULE_KEYS if k in d}}
        for path, data in ((root / place, text), (rules_dir(root) / place, rules)):
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return root


def write_modes(path: Path, modes: List[Dict[str, Any]], windows: Optional[List[Dict[str, Any]]] = None) -> Path:
    path.write_text(yaml.safe_dump({"demonstration": True, "modes": modes, "windows": windows or []},
                                   allow_unicode=True), encoding="utf-8")
    return path


def settings_for(url: str, corpus: Path, modes: Path, **kw: Any) -> Settings:
    return Settings(database_url=url, corpus_dir=corpus, modes_path=modes, today=TODAY,
                    **auth_settings(corpus.parent, **kw))


@pytest.fixture()
def make_client(tmp_path: Path) -> Callable[..., TestClient]:
    def build(url: Optional[str] = None, corpus: Optional[Path] = None, modes: Optional[Path] = None,
              **kw: Any) -> TestClient:
        settings = Settings(database_url=url or f"sqlite:///{tmp_path / 'e.db'}",
                            corpus_dir=corpus or ROOT / "knowledge" / "corpus",
                            modes_path=modes or ROOT / "eligibility" / "config" / "modes.yaml", today=TODAY,
                            **auth_settings(tmp_path, **kw))
        return TestClient(create_app(settings))

    return build


@pytest.fixture(scope="session")
def demo_client(tmp_path_factory: pytest.TempPathFactory) -> TestClient:
    """The real corpus and configuration with the seeded demo data account (SQLite file, WAL)."""
    tmp = tmp_path_factory.mktemp("demo")
    return TestClient(create_app(Settings(database_url=f"sqlite:///{tmp / 'demo.db'}", today=TODAY, **auth_settings(tmp))))


# ---- credentials ------------------------------------------------------------------------------------

def bearer(token: str) -> Dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def service_headers(conversation_id: Optional[str] = None, key: str = SERVICE_KEY) -> Dict[str, str]:
    """What the action server sends: its own service token and, for a conversation, its id."""
    headers = bearer(tokens.service_token(key))
    if conversation_id is not None:
        headers["X-Conversation-Id"] = conversation_id
    return headers


def _cache(client: TestClient) -> Dict[Any, Any]:
    state = client.app.state
    if not hasattr(state, "test_credentials"):
        state.test_credentials = {}
    return state.test_credentials


def staff_headers(client: TestClient, username: str = "admin", password: str = STAFF_PASSWORD) -> Dict[str, str]:
    """A staff member signed in through POST /auth/staff/login (one login per app and account)."""
    cache = _cache(client)
    if ("staff", username) not in cache:
        r = client.post("/auth/staff/login", json={"username": username, "password": password})
        assert r.status_code == 200, r.text
        cache[("staff", username)] = bearer(r.json()["access_token"])
    return cache[("staff", username)]


def mobile_of(client: TestClient, subject_id: str) -> Optional[str]:
    with client.app.state.ctx.db.read() as conn:
        return conn.execute(sa.select(t.profiles.c.mobile).where(t.profiles.c.id == checked_id(subject_id))).scalar()


def otp_messages(client: TestClient, subject_id: str, after_id: int = 0) -> List[Dict[str, Any]]:
    """The one-time-code SMS queued for ``subject_id``'s mobile, newest first, as staff see them in /outbox."""
    mobile = mobile_of(client, subject_id)
    r = client.get("/outbox", params={"purpose": "otp", "limit": 500}, headers=staff_headers(client, "operator"))
    assert r.status_code == 200, r.text
    return [m for m in r.json()["messages"] if m["id"] > after_id and mobile and m["recipient"] == mask_ids(mobile)]


def last_outbox_id(client: TestClient) -> int:
    r = client.get("/outbox", params={"limit": 1}, headers=staff_headers(client, "operator"))
    return max([m["id"] for m in r.json()["messages"]] or [0])


def request_code(client: TestClient, subject_id: str, conversation_id: str) -> Optional[str]:
    """POST /auth/otp for the conversation; the code, read from the outbox (None when no SMS was queued)."""
    before = last_outbox_id(client)
    r = client.post("/auth/otp", json={"subject_id": subject_id}, headers=service_headers(conversation_id))
    assert r.status_code == 202, r.text
    sent = otp_messages(client, subject_id, before)
    if not sent:
        return None
    found = CODE.search(sent[0]["body"])
    assert found, sent[0]["body"]
    return found.group(1)


def bind(client: TestClient, subject_id: str, conversation_id: str) -> Dict[str, Any]:
    """The real flow: a code to the data account's mobile, read from the outbox, verified for the
    conversation. Returns the verification answer (binding and the subject's access token)."""
    code = request_code(client, subject_id, conversation_id)
    assert code is not None, f"no SMS was queued for {subject_id}"
    r = client.post("/auth/otp/verify", json={"code": code}, headers=service_headers(conversation_id))
    assert r.status_code == 200, r.text
    return r.json()


def conversation_of(subject_id: str) -> str:
    return f"conv-{subject_id[-8:].lower()}"


def subject_headers(client: TestClient, subject_id: str) -> Dict[str, str]:
    """The subject's own token, from a binding of ``conversation_of(subject_id)`` made once per app through
    the real OTP flow (the resend limit would refuse a second code within a minute)."""
    cache = _cache(client)
    if ("subject", subject_id) not in cache:
        done = bind(client, subject_id, conversation_of(subject_id))
        cache[("subject", subject_id)] = bearer(done["access_token"])
    return cache[("subject", subject_id)]


def minted(client: TestClient, subject_id: str, conversation_id: Optional[str] = None,
           minutes: int = 30) -> Dict[str, str]:
    """A subject token signed with the service's secret, as after a login (fast; no SMS, no binding)."""
    ctx = client.app.state.ctx
    return bearer(tokens.issue(ctx.token_secret, "subject", checked_id(subject_id), minutes, ctx.clock(),
                               conversation_id=conversation_id))
