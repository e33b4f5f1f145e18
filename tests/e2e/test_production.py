"""The production profile (`make run-prod`) on free ports: nginx in front of two Rasa servers sharing a
PostgreSQL tracker store and a Redis lock store, two action servers, the eligibility service on PostgreSQL.
A conversation goes on when the Rasa server that held it is killed, and everything survives a full restart."""

from __future__ import annotations

import json
import shutil
import tempfile
import time
import urllib.request
import uuid
from pathlib import Path
from typing import Any, Dict, Iterator, List

import pytest

from policybot.production import ProductionStack
from policybot.supervisor import prepare
from tests.ports import free_port


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
    finally:
        stack.stop()
    # everything stopped and started again from var/prod's state: the conversation is still there
    stack.start()
    try:
        assert tracker_users(stack, sender)[:4] == said
        assert say(stack, sender, "灵活就业怎么交社保")
    finally:
        stack.stop()
