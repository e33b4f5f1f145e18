"""The whole assistant, started once per test session exactly as `policybot run` starts it."""

from __future__ import annotations

import json
import urllib.request
import uuid
from typing import Callable, Iterator, List

import pytest

from policybot.supervisor import Stack, prepare
from tests.ports import free_port


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    model = prepare()
    db = tmp_path_factory.mktemp("e2e") / "eligibility.db"
    running = Stack(model=model, ports={"eligibility": free_port(), "actions": free_port(), "rasa": free_port()},
                    env={"ELIGIBILITY_DATABASE_URL": f"sqlite:///{db}"})
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
