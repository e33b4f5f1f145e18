"""The production profile (`make run-prod`) on free ports: nginx in front of two Rasa servers sharing a
PostgreSQL tracker store and a Redis lock store, two action servers, the eligibility service on PostgreSQL.
A conversation goes on when the Rasa server that held it is killed, and everything survives a full restart:
the conversation, an application, a rating, its ticket and the outbox messages are read back afterwards."""

from __future__ import annotations

import json
import re
import shutil
import tempfile
import time
import urllib.request
import uuid
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional, Tuple

import pytest

from eligibility.auth.tokens import service_token
from policybot.production import ProductionStack
from policybot.supervisor import prepare
from tests.ports import free_port

HUAXIN = "91440309MA5H2KQ3XC"  # 华芯: 秒批 of ENT-011 on verified data (eligibility/README.md)


def say(stack: ProductionStack, sender: str, message: str) -> List[Dict[str, Any]]:
    req = urllib.request.Request(f"{stack.url()}/webhooks/rest/webhook",
                                 data=json.dumps({"sender": sender, "message": message}).encode(),
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=90) as resp:
        return list(json.loads(resp.read()))


def tracker_users(stack: ProductionStack, sender: str) -> List[str]:
    url = f"{stack.url()}/conversations/{sender}/tracker?token={stack.secrets.rasa_token}"
    with urllib.request.urlopen(url, timeout=30) as resp:
        return [e["text"] for e in json.loads(resp.read())["events"] if e.get("event") == "user"]


def cited(replies: List[Dict[str, Any]]) -> List[str]:
    return [c["doc_id"] for r in replies for c in (r.get("custom") or {}).get("citations", [])]


def api(stack: ProductionStack, method: str, path: str, token: Optional[str] = None, body: Optional[dict] = None,
        conversation: Optional[str] = None) -> Any:
    """The eligibility service through nginx (JSON in and out); ``conversation``: as the action server calls it."""
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    if conversation:
        headers["X-Conversation-Id"] = conversation
    req = urllib.request.Request(f"{stack.url()}{path}", data=json.dumps(body).encode() if body is not None else None,
                                 headers=headers, method=method)
    with urllib.request.urlopen(req, timeout=30) as resp:
        return json.loads(resp.read())


def operator(stack: ProductionStack) -> str:
    return str(api(stack, "POST", "/auth/staff/login", body={"username": "operator", "password": "Staff@2026"})
               ["access_token"])


def apply_and_rate(stack: ProductionStack, applicant: str) -> Tuple[str, str]:
    """A conversation bound to 华芯 by one-time code applies (秒批) and gives a bad rating; returns the ids of the
    application and of the rating's callback ticket."""
    assert "验证码" in text(say(stack, applicant, f"统一社会信用代码 {HUAXIN}"))
    box = api(stack, "GET", f"/outbox?purpose=otp&subject_id={HUAXIN}&limit=1", operator(stack))
    code = re.search(r"验证码为(\d{6})", box["messages"][0]["body"])
    assert code, box
    assert "验证成功" in text(say(stack, applicant, code.group(1)))
    assert "一键申报" in json.dumps(say(stack, applicant, '/apply{"policy": "ENT-011"}'), ensure_ascii=False)
    applied = [c["id"] for r in say(stack, applicant, "/affirm") for c in [r.get("custom") or {}]
               if c.get("type") == "application"]
    rated = text(say(stack, applicant, '/rate_service{"rating": "非常不满意"}'))
    assert len(applied) == 1 and "工单号" in rated, rated
    return applied[0], rated.split("工单号")[1].split("，")[0].strip()


def written_state(stack: ProductionStack, applicant: str, application: str, ticket: str) -> Dict[str, Any]:
    """What a restart must keep, read through the API: the applicant's conversation, the application, the rating
    and its callback ticket, 华芯's outbox messages (one-time code, 秒批 SMS)."""
    staff = operator(stack)
    return {"conversation": tracker_users(stack, applicant),
            "application": api(stack, "GET", f"/applications/{application}", staff)["status"],
            "ticket": api(stack, "GET", f"/tickets/{ticket}", staff)["summary"],
            "ratings": [r["level"] for r in api(stack, "GET", "/me/data", service_token(stack.secrets.service_key),
                                                conversation=applicant)["ratings"]],
            "outbox": {m["id"]: m["body"] for m in api(stack, "GET", f"/outbox?subject_id={HUAXIN}&limit=500",
                                                        staff)["messages"]}}


def text(replies: List[Dict[str, Any]]) -> str:
    return "\n".join(r.get("text", "") for r in replies)


@pytest.fixture(scope="module")
def production() -> Iterator[ProductionStack]:
    # not pytest's tmp_path: PostgreSQL runs as its own user, who cannot enter pytest's private directories
    base = Path(tempfile.mkdtemp(prefix="policybot-prod-"))
    base.chmod(0o755)
    ports = {name: free_port() for name in ("public", "eligibility", "idp", "actions_lb", "postgres", "redis")}
    yield ProductionStack(model=prepare(), base=base, ports=ports, rasa_ports=[free_port(), free_port()],
                          action_ports=[free_port(), free_port()])
    shutil.rmtree(base, ignore_errors=True)


def test_a_conversation_outlives_its_rasa_server_and_a_full_restart(production: ProductionStack) -> None:
    stack = production
    stack.start()
    try:
        sender = f"prod-{uuid.uuid4().hex[:8]}"
        first = say(stack, sender, "居住证第一次怎么申请")
        assert "CIT-001" in cited(first)
        # the web chat finds Rasa at its own origin: nginx passes /socket.io/ on
        with urllib.request.urlopen(f"{stack.url()}/chat/config.json", timeout=10) as resp:
            assert json.loads(resp.read())["socket_url"] == ""
        # kill -9 each Rasa server in turn: the other carries the conversation (state in PostgreSQL)
        for name in ("rasa-1", "rasa-2"):
            victim = stack.service(name)
            assert victim.process is not None
            victim.process.kill()
            victim.process.wait()
            assert say(stack, sender, "高龄老人津贴有多少钱"), name
            victim.restart()
            deadline = time.time() + 240
            while not victim.healthy():
                assert victim.process is not None and victim.process.poll() is None, victim.log
                assert time.time() < deadline, f"{name} not healthy again"
                time.sleep(0.5)
        # one action server down: nginx passes the action call to the other
        actions = stack.service("actions-1")
        assert actions.process is not None
        actions.process.kill()
        actions.process.wait()
        assert cited(say(stack, sender, "创业担保贷款能贷多少"))
        said = tracker_users(stack, sender)
        assert said == ["居住证第一次怎么申请", "高龄老人津贴有多少钱", "高龄老人津贴有多少钱", "创业担保贷款能贷多少"]
        applicant = f"{sender}-apply"
        ids = apply_and_rate(stack, applicant)
        before = written_state(stack, applicant, *ids)
        assert before["application"] == "approved" and "非常不满意" in before["ticket"], before
        assert before["ratings"] == ["非常不满意"] and len(before["outbox"]) >= 2, before
    finally:
        stack.stop()
    # everything stopped and started again from var/prod's state: the conversation is still there, and so are
    # the application, the rating, its ticket and every outbox message
    stack.start()
    try:
        assert tracker_users(stack, sender)[:4] == said
        assert written_state(stack, applicant, *ids) == before
        assert say(stack, sender, "灵活就业怎么交社保")
    finally:
        stack.stop()
