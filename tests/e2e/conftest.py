"""The whole assistant, started once per test session exactly as `policybot run` starts it."""

from __future__ import annotations

import json
import re
import urllib.request
import uuid
from typing import Callable, Iterator, List, Optional

import pytest

from policybot.supervisor import Stack, prepare
from tests.ports import free_port


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    model = prepare()
    db = tmp_path_factory.mktemp("e2e") / "eligibility.db"
    running = Stack(model=model, ports={"eligibility": free_port(), "actions": free_port(), "rasa": free_port(),
                                        "idp": free_port()},
                    env={"ELIGIBILITY_DATABASE_URL": f"sqlite:///{db}",
                         # journeys bind the same demo subjects again and again: the limits have their own tests
                         "ELIGIBILITY_OTP_RESEND_SECONDS": "0", "ELIGIBILITY_OTP_PER_NUMBER_PER_HOUR": "1000",
                         "ELIGIBILITY_OTP_PER_CONVERSATION_PER_HOUR": "1000",
                         # operators are at work whenever the suite runs: a 转人工 is live (the bot pauses);
                         # off-hours tickets have their own tests (tests/eligibility/test_handoffs.py)
                         "ELIGIBILITY_STAFFED_HOURS": "00:00-24:00", "ELIGIBILITY_STAFFED_EVERY_DAY": "1",
                         # the WeChat channel (tests/e2e/test_wechat.py): its own secrets, an outbox file of this
                         # session, and an API base where nothing listens (no call leaves the machine)
                         "WECHAT_TOKEN": "e2e-wechat-token", "WECHAT_APPID": "wxe2e0123456789abc",
                         "WECHAT_SECRET": "e2e-wechat-secret", "WECHAT_AES_KEY": "E2eWechatAesKey0123456789abcdefghijklmnopqr",
                         "WECHAT_API_BASE": "http://127.0.0.1:9", "WECHAT_OUTBOX_PATH": str(db.parent / "wechat-outbox.sqlite3")})
    running.start(timeout=300)
    yield running
    running.stop()


Chat = Callable[[str], List[dict]]


@pytest.fixture()
def chat(stack: Stack) -> Chat:
    """Send messages as one new user through the REST channel."""
    sender = f"e2e-{uuid.uuid4().hex[:10]}"

    def send(message: str) -> List[dict]:
        body = json.dumps({"sender": sender, "message": message}).encode()
        req = urllib.request.Request(f"{stack.url('rasa')}/webhooks/rest/webhook", data=body,
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=60) as resp:
            return json.loads(resp.read())

    return send


def cited(replies: List[dict]) -> List[str]:
    """The document ids cited in a turn's replies."""
    ids = []
    for reply in replies:
        for citation in (reply.get("custom") or {}).get("citations", []):
            ids.append(citation["doc_id"])
    return ids


def text_of(replies: List[dict]) -> str:
    return "\n".join(r.get("text", "") for r in replies)


def api(stack: Stack, method: str, path: str, token: Optional[str] = None, body: Optional[dict] = None) -> dict:
    """A call to the eligibility service of the running stack (JSON in and out)."""
    data = json.dumps(body).encode() if body is not None else None
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    req = urllib.request.Request(f"{stack.url('eligibility')}{path}", data=data, headers=headers, method=method)
    with urllib.request.urlopen(req, timeout=30) as resp:
        return json.loads(resp.read())


def staff_token(stack: Stack, username: str = "admin") -> str:
    """The development staff accounts (operator / reviewer / admin) the service seeds."""
    return api(stack, "POST", "/auth/staff/login", body={"username": username, "password": "Staff@2026"})["access_token"]


def sms_code(stack: Stack, subject_id: str) -> str:
    """The one-time code the outbox holds for this subject (SMS stay in the outbox in the default mode)."""
    box = api(stack, "GET", f"/outbox?purpose=otp&subject_id={subject_id}&limit=1", staff_token(stack, "operator"))
    assert box["messages"], "no one-time code was queued"
    found = re.search(r"验证码为(\d{6})", box["messages"][0]["body"])
    assert found, box
    return found.group(1)
