"""Action tests: frozen trackers, a real eligibility service on loopback, a real index of the corpus.

The service is the one the action server talks to in production, with a service key the actions present
(``POLICYBOT_SERVICE_KEY``), the 免申即享 job run once at start, and relaxed one-time-code limits (no resend
wait, generous hourly limits: tests/eligibility covers the limits). A conversation acts on a subject's data
only once it is bound: ``bind(sender, subject_id)`` does that through the real one-time-code flow over
HTTP (the code is read from the outbox as staff). The default sender ``test-user`` is never bound, so
tests that share it stay anonymous."""

from __future__ import annotations

import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List, NamedTuple, Optional

import httpx
import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import settings as action_settings
from eligibility.app import create_app
from eligibility.auth.tokens import service_token
from eligibility.context import Context
from eligibility.services import grants
from eligibility.settings import Settings
from index_builder.builder import build_index
from index_builder.config import DEFAULT_CONFIG, load_config
from tests.ports import free_port, serving

ROOT = Path(__file__).resolve().parents[2]
SERVICE_KEY = "actions-test-service-key-of-at-least-32-bytes"
STAFF = {"username": "admin", "password": "Staff@2026"}  # the development accounts (eligibility Settings)
CODE = re.compile(r"验证码为(\d{6})")


class Service(NamedTuple):
    url: str
    ctx: Context  # the running service's context (same process): its database, clock and settings


class _Discovery(BaseHTTPRequestHandler):
    """Just enough of a 统一身份认证 provider for a login link: its discovery document."""

    def do_GET(self) -> None:  # noqa: N802 - the http.server name
        base = f"http://{self.headers['Host']}"  # the issuer as the service was told it (127.0.0.1:port)
        if self.path != "/.well-known/openid-configuration":
            self.send_error(404)
            return
        body = json.dumps({"issuer": base, "authorization_endpoint": f"{base}/authorize",
                           "token_endpoint": f"{base}/token", "jwks_uri": f"{base}/jwks",
                           "id_token_signing_alg_values_supported": ["RS256"]}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - quiet
        return


@pytest.fixture(scope="session")
def oidc_issuer() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Discovery)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="session")
def eligibility_service(tmp_path_factory: pytest.TempPathFactory, oidc_issuer: str) -> Iterator[Service]:
    tmp = tmp_path_factory.mktemp("actions")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    settings = Settings(database_url=f"sqlite:///{tmp / 'eligibility.db'}", service_key=SERVICE_KEY,
                        secrets_dir=tmp / "secrets", public_url=url, oidc_issuer=oidc_issuer,
                        otp_resend_seconds=0, otp_per_number_per_hour=1000, otp_per_conversation_per_hour=1000,
                        jobs_interval_hours=0,
                        staffed_hours="00:00-24:00", staffed_every_day=True)  # a 转人工 here is always live
    app = create_app(settings)
    ctx: Context = app.state.ctx
    grants.run(ctx)  # what `python -m eligibility.cli grants run` does before the service opens
    with serving(app, port, "the eligibility service"):
        yield Service(url, ctx)


@pytest.fixture(scope="session")
def eligibility_url(eligibility_service: Service) -> str:
    return eligibility_service.url


@pytest.fixture(scope="session")
def index_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("index")
    build_index(ROOT / "knowledge" / "corpus", out, load_config(DEFAULT_CONFIG), log=lambda *_: None, progress=False)
    return out


@pytest.fixture(autouse=True)
def wired(monkeypatch: pytest.MonkeyPatch, eligibility_url: str, index_dir: Path) -> Iterator[None]:
    monkeypatch.setenv("POLICYBOT_ELIGIBILITY_URL", eligibility_url)
    monkeypatch.setenv("POLICYBOT_INDEX_DIR", str(index_dir))
    monkeypatch.setenv("POLICYBOT_SERVICE_KEY", SERVICE_KEY)
    action_settings.get_settings.cache_clear()

    yield
    action_settings.get_settings.cache_clear()


# ---- the service's side of the identity flow, over HTTP -------------------------------------------

def service_headers(sender: Optional[str] = None) -> Dict[str, str]:
    """What the action server sends: its own service token and, for a conversation, its id."""
    headers = {"Authorization": f"Bearer {service_token(SERVICE_KEY)}"}
    if sender is not None:
        headers["X-Conversation-Id"] = sender
    return headers


_staff_tokens: Dict[str, str] = {}


def staff_headers(url: str) -> Dict[str, str]:
    """The admin, signed in through POST /auth/staff/login (once per service)."""
    if url not in _staff_tokens:
        r = httpx.post(f"{url}/auth/staff/login", json=STAFF)
        assert r.status_code == 200, r.text
        _staff_tokens[url] = r.json()["access_token"]
    return {"Authorization": f"Bearer {_staff_tokens[url]}"}


def outbox(url: str, purpose: Optional[str] = None, after_id: int = 0) -> List[Dict[str, Any]]:
    """Messages queued after ``after_id``, newest first, as staff see them (recipients masked)."""
    params: Dict[str, Any] = {"limit": 500, **({"purpose": purpose} if purpose else {})}
    r = httpx.get(f"{url}/outbox", params=params, headers=staff_headers(url))
    assert r.status_code == 200, r.text
    return [m for m in r.json()["messages"] if m["id"] > after_id]


def last_outbox_id(url: str) -> int:
    return max([m["id"] for m in outbox(url)[:1]] or [0])


def code_sent_after(url: str, after_id: int) -> Optional[str]:
    """The code in the one one-time-code SMS queued after ``after_id`` (None when none was: a decoy)."""
    sent = outbox(url, "otp", after_id)
    if not sent:
        return None
    assert len(sent) == 1, f"{len(sent)} codes sent"
    found = CODE.search(sent[0]["body"])
    assert found, sent[0]["body"]
    return found.group(1)


def bind_sender(url: str, sender: str, subject_id: str) -> Dict[str, Any]:
    """Bind conversation ``sender`` to ``subject_id`` the real way: POST /auth/otp (a code to the data
    account's mobile), the code read from the outbox, POST /auth/otp/verify. Returns the verification."""
    before = last_outbox_id(url)
    r = httpx.post(f"{url}/auth/otp", json={"subject_id": subject_id}, headers=service_headers(sender))
    assert r.status_code == 202, r.text
    code = code_sent_after(url, before)
    assert code is not None, "no code was sent: the subject has no mobile in the data account"
    r = httpx.post(f"{url}/auth/otp/verify", json={"code": code}, headers=service_headers(sender))
    assert r.status_code == 200, r.text
    assert r.json()["bound"] is True
    return dict(r.json())


@pytest.fixture()
def bind(eligibility_url: str) -> Callable[[str, str], Dict[str, Any]]:
    """``bind(sender, subject_id)``: see ``bind_sender``."""
    return lambda sender, subject_id: bind_sender(eligibility_url, sender, subject_id)


def binding(url: str, sender: str) -> Dict[str, Any]:
    r = httpx.get(f"{url}/auth/binding", headers=service_headers(sender))
    assert r.status_code == 200, r.text
    return dict(r.json())


# ---- trackers and what the actions answered ---------------------------------------------------------

def tracker(text: str = "", intent: str = "ask_policy", slots: Optional[Dict[str, Any]] = None,
            entities: Optional[List[Dict[str, Any]]] = None, events: Optional[List[Dict[str, Any]]] = None,
            ranking: Optional[List[Dict[str, Any]]] = None, sender: str = "test-user") -> Tracker:
    """A frozen tracker: the state Rasa would send the action server after this user message."""
    latest = {"text": text, "intent": {"name": intent, "confidence": 0.9}, "entities": entities or [],
              "intent_ranking": ranking or [{"name": intent, "confidence": 0.9}]}
    user_event = {"event": "user", "text": text, "parse_data": latest}
    return Tracker(sender, slots or {}, latest, [*(events or []), user_event], False, None, None, "action_listen")


def said(dispatcher: CollectingDispatcher) -> str:
    return "\n".join(m.get("text") or "" for m in dispatcher.messages)


def custom(dispatcher: CollectingDispatcher) -> List[Dict[str, Any]]:
    return [m["custom"] for m in dispatcher.messages if m.get("custom")]


def slots_set(events: List[Dict[str, Any]]) -> Dict[str, Any]:
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


def followups(events: List[Dict[str, Any]]) -> List[str]:
    return [e["name"] for e in events if e.get("event") == "followup"]
