"""The action server's worker loops keep their connections to the eligibility service: the same answers as a
client per call, on the real service, with fewer connections opened."""

from __future__ import annotations

import asyncio
import json
from typing import Any, Callable, Dict, List, Tuple

import httpx
from rasa_sdk.executor import ActionExecutor

from actions.clients import eligibility
from actions.server import ActionRunner
from eligibility.profiles.demo import PERSONAS

CALLS: List[Tuple[str, str, Dict[str, Any]]] = [
    ("GET", "/calendar", {"params": {"month": "2026-05"}}),
    ("GET", "/auth/binding", {}),
    ("GET", "/profiles/me", {}),
    ("POST", "/match", {"json": eligibility.match_body(True, {})}),
    ("POST", "/match", {"json": eligibility.match_body(False, {"employees": 120, "audience": "enterprise"})}),
    ("GET", "/policies/ENT-011", {}),
    ("GET", "/profiles/me/applications", {}),
]


async def _answers(sender: str) -> List[Any]:
    out: List[Any] = []
    for method, path, kwargs in CALLS:
        try:
            out.append(await eligibility.request(method, path, sender, **kwargs))
        except eligibility.EligibilityError as exc:
            out.append({"error": exc.code, "status": exc.status, "message": exc.message})
    return out


def as_json(answers: List[Any]) -> str:
    return json.dumps(answers, sort_keys=True, ensure_ascii=False)


def _connections(monkeypatch: Any) -> List[int]:
    opened: List[int] = []
    real = httpx.AsyncHTTPTransport.__init__

    def counting(self: Any, *args: Any, **kwargs: Any) -> None:
        opened.append(1)
        real(self, *args, **kwargs)

    monkeypatch.setattr(httpx.AsyncHTTPTransport, "__init__", counting)
    return opened


def test_a_kept_loop_gives_the_same_answers_over_one_client(bind: Callable[[str, str], Dict[str, Any]], monkeypatch: Any) -> None:
    sender = "kept-connections-1"
    bind(sender, PERSONAS[0].id)
    clients = _connections(monkeypatch)
    per_call = asyncio.run(_answers(sender))
    assert len(clients) == len(CALLS)  # a client (and a connection) per call

    clients.clear()
    loop = asyncio.new_event_loop()
    try:
        eligibility.keep_connections(loop)
        kept = loop.run_until_complete(_answers(sender))
        again = loop.run_until_complete(_answers(sender))
        loop.run_until_complete(eligibility.close_connections())
    finally:
        loop.close()
    assert len(clients) == 1  # one client for the loop, its connection reused
    assert as_json(kept) == as_json(per_call) == as_json(again)
    assert any("error" not in a for a in kept if isinstance(a, dict))


def test_the_action_servers_threads_reuse_their_loop_and_client(monkeypatch: Any) -> None:
    clients = _connections(monkeypatch)
    executor = ActionExecutor()
    executor.register_package("actions.calendar")
    runner = ActionRunner(executor, workers=1)
    call = {"next_action": "action_calendar", "sender_id": "kept-connections-2", "domain": {},
            "tracker": {"sender_id": "kept-connections-2", "slots": {}, "events": [],
                        "latest_message": {"text": "这个月有哪些政策可以申报", "intent": {"name": "ask_calendar"},
                                           "entities": []}, "latest_action_name": "action_listen",
                        "active_loop": {}, "paused": False, "followup_action": None}}

    async def twice() -> List[Tuple[str, Any]]:
        return [await runner.run(call), await runner.run(call)]

    try:
        first, second = asyncio.run(twice())
    finally:
        runner.shutdown()
    assert first[0] == second[0] == "ok", (first, second)
    assert first[1] == second[1] and first[1]["responses"], first
    assert len(clients) == 1  # the thread's second call reused the first one's client


def test_httpcore_finds_sniffio_absent_without_searching() -> None:
    """sniffio is not installed: the client records it as absent, so httpcore's per-lock ``import sniffio``
    fails at once (the same ImportError, the same asyncio branch) instead of searching sys.path each time."""
    import importlib.util
    import sys

    from httpcore._synchronization import current_async_library

    assert importlib.util.find_spec("sniffio") is None or sys.modules.get("sniffio") is not None
    if sys.modules.get("sniffio", 0) is None:
        async def which() -> str:
            return current_async_library()

        assert asyncio.run(which()) == "asyncio"
