"""The action server's /metrics (open like /health) and its one JSON line per action call: latency by action,
timeouts and errors, fallbacks and handoffs by what they did, the knowledge search's latency; the action
server answers on loopback with test actions shaped like the real ones."""

from __future__ import annotations

import json
import time
from typing import Any, Dict, Iterator, List, Optional

import httpx
import pytest
from rasa_sdk import Action
from rasa_sdk.events import ConversationPaused, FollowupAction, SlotSet
from rasa_sdk.executor import ActionExecutor, CollectingDispatcher
from sanic import Sanic

from actions import metrics as action_metrics
from actions import server as action_server
from actions.clients import knowledge as knowledge_client
from policybot.telemetry import conversation_ref
from search.types import Answer
from tests.ports import free_port, serving
from tests.prometheus import captured_events, json_lines, label_values, personal_data, value

TOKEN = "metrics-action-token"
ID_NUMBER = "440309194803150023"
PHONE = "13800138000"
Sanic.test_mode = True  # several Sanic apps start in this process (one per module that serves one)


class Ok(Action):
    def name(self) -> str:
        return "action_test_ok"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Any, domain: Dict[str, Any]) -> List[Any]:
        dispatcher.utter_message(text="好的")
        return []


class Slow(Action):
    def name(self) -> str:
        return "action_test_slow"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Any, domain: Dict[str, Any]) -> List[Any]:
        time.sleep(1.5)
        return []


class Broken(Action):
    def name(self) -> str:
        return "action_test_broken"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Any, domain: Dict[str, Any]) -> List[Any]:
        raise KeyError(f"internal detail {ID_NUMBER}")


class Fallback(Action):
    """As actions/feedback.py's: silent after an answer, a code handed on, two meanings, then a person."""

    def name(self) -> str:
        return "action_fallback"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Any, domain: Dict[str, Any]) -> List[Any]:
        text = tracker.latest_message.get("text")
        if text == "answered":
            return []
        if text == "123456":
            return [FollowupAction("action_verify_code")]
        if text == "again":
            dispatcher.utter_message(text="要不要为您转人工服务？", buttons=[{"title": "转人工", "payload": "/affirm"}])
            return [SlotSet("awaiting", "handoff_offer")]
        dispatcher.utter_message(text="您是想问：", buttons=[{"title": "政策咨询", "payload": "/ask_policy"}])
        return []


class Handoff(Action):
    def name(self) -> str:
        return "action_handoff"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Any, domain: Dict[str, Any]) -> List[Any]:
        dispatcher.utter_message(text="正在为您转接人工客服")
        return [SlotSet("awaiting", None), SlotSet("last_ticket", "GD1"), ConversationPaused()]


def call(action: str, text: Optional[str] = "你好", sender: str = "metrics-user") -> Dict[str, Any]:
    return {"next_action": action, "sender_id": sender, "version": "3.6.21", "domain": {},
            "tracker": {"sender_id": sender, "slots": {}, "latest_message": {"text": text, "intent": {}, "entities": []},
                        "events": [{"event": "user", "text": text}], "paused": False, "followup_action": None,
                        "active_loop": {}, "latest_action_name": "action_listen"}}


@pytest.fixture(scope="module")
def url() -> Iterator[str]:
    executor = ActionExecutor()
    for action in (Ok, Slow, Broken, Fallback, Handoff):
        executor.register_action(action)
    app = action_server.build(TOKEN, workers=2, timeout_s=0.5, executor=executor)
    port = free_port()
    with serving(app, port, "the action server"):
        yield f"http://127.0.0.1:{port}"


def post(url: str, body: Dict[str, Any]) -> httpx.Response:
    return httpx.post(f"{url}/webhook", params={"token": TOKEN}, content=json.dumps(body, ensure_ascii=False),
                      timeout=30)


def scrape(url: str) -> str:
    r = httpx.get(f"{url}/metrics", timeout=10)  # no token: open like /health
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/plain; version="), r.text
    return r.text


def test_metrics_needs_no_token_but_the_webhook_still_does(url: str) -> None:
    text = scrape(url)
    for name in ("policybot_action_duration_seconds", "policybot_action_failures_total", "policybot_fallbacks_total",
                 "policybot_action_handoffs_total", "policybot_actions_running", "policybot_action_queue_length",
                 "policybot_retrieval_duration_seconds"):
        assert f"# TYPE {name} " in text, name
    assert httpx.post(f"{url}/webhook", content=json.dumps(call("action_test_ok"))).status_code == 401


def test_action_latency_failures_and_unknown_names(url: str) -> None:
    before = scrape(url)
    for _ in range(2):
        assert post(url, call("action_test_ok")).json()["responses"][0]["text"] == "好的"
    assert post(url, call("action_test_slow")).json() == action_server.polite(action_server.TIMED_OUT)
    assert post(url, call("action_test_broken")).json() == action_server.polite(action_server.FAILED)
    assert post(url, call(f"action_{ID_NUMBER}")).status_code == 404  # not an action: no label of its own
    after = scrape(url)

    def moved(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert moved("policybot_action_duration_seconds_count", action="action_test_ok") == 2
    assert moved("policybot_action_duration_seconds_count", action="action_test_slow") == 1
    assert moved("policybot_action_failures_total", action="action_test_slow", reason="timeout") == 1
    assert moved("policybot_action_failures_total", action="action_test_broken", reason="error") == 1
    assert moved("policybot_action_failures_total", action="action_test_ok") == 0
    assert moved("policybot_action_duration_seconds_count", action="unknown") == 0  # not found: not timed
    assert ID_NUMBER not in after and personal_data(label_values(after)) == []
    slow = value(after, "policybot_action_duration_seconds_sum", action="action_test_slow") - \
        value(before, "policybot_action_duration_seconds_sum", action="action_test_slow")
    assert 0.4 < slow < 1.4  # the time Rasa waited: up to the apology, not the thread's whole run


def test_fallbacks_and_handoffs_by_what_they_did(url: str) -> None:
    before = scrape(url)
    for text in ("啥", "again", "123456", "answered", "嗯嗯"):
        assert post(url, call("action_fallback", text)).status_code == 200
    assert post(url, call("action_handoff", "转人工")).status_code == 200
    after = scrape(url)

    def moved(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert moved("policybot_fallbacks_total", kind="clarify") == 2
    assert moved("policybot_fallbacks_total", kind="offer_handoff") == 1
    assert moved("policybot_fallbacks_total", kind="redirected") == 1
    assert moved("policybot_fallbacks_total", kind="silent") == 1
    assert moved("policybot_action_handoffs_total", result="live") == 1


def test_outcome_rules_read_rasa_sdk_events() -> None:
    ticket = {"events": [SlotSet("awaiting", None), SlotSet("last_ticket", "GD2")], "responses": [{"text": "已登记"}]}
    assert action_metrics.handoff_result(ticket) == "ticket"
    assert action_metrics.handoff_result({"events": [SlotSet("awaiting", None)], "responses": [{"text": "x"}]}) == "failed"
    assert action_metrics.handoff_result({"events": [ConversationPaused()], "responses": []}) == "live"
    assert action_metrics.fallback_kind({"events": [], "responses": []}) == "silent"
    assert action_metrics.fallback_kind(None) == "silent"
    assert action_metrics.action_label("action_x", {"action_x": 1}) == "action_x"
    assert action_metrics.action_label(["x"], {"action_x": 1}) == "unknown"


def test_one_json_line_per_action_call_without_personal_data(url: str) -> None:
    with captured_events("actions") as out:
        post(url, call("action_test_ok", f"我的身份证{ID_NUMBER}", sender=PHONE))
        post(url, call("action_test_broken", "x", sender="wx:oOpenId0123456789abcdefghijk"))
        post(url, call("action_fallback", "again", sender="web-" + "a" * 32))
        time.sleep(0.1)
    lines = json_lines(out.getvalue())
    assert [(line["action"], line["status"]) for line in lines] == [
        ("action_test_ok", "ok"), ("action_test_broken", "error"), ("action_fallback", "ok")]
    assert [line["conversation"] for line in lines] == [conversation_ref(PHONE),
                                                         conversation_ref("wx:oOpenId0123456789abcdefghijk"),
                                                         conversation_ref("web-" + "a" * 32)]
    assert lines[2]["detail"] == "offer_handoff" and all(line["service"] == "actions" for line in lines)
    text = out.getvalue()
    assert PHONE not in text and ID_NUMBER not in text and "oOpenId" not in text and "a" * 32 not in text
    assert personal_data(text.splitlines()) == []


def test_the_knowledge_search_is_timed(monkeypatch: pytest.MonkeyPatch) -> None:
    class FakeBase:
        def ask(self, question: str, context_doc_id: Optional[str] = None, filters: Optional[dict] = None) -> Answer:
            time.sleep(0.02)
            return Answer(query=question, faq=None, hits=[])

    monkeypatch.setattr(knowledge_client, "knowledge_base", lambda: FakeBase())
    from prometheus_client import REGISTRY, generate_latest

    before = generate_latest(REGISTRY).decode()
    assert knowledge_client.ask("高新技术企业认定有什么奖励？").hits == []
    knowledge_client.ask("一件事", filters={"kind": "bundle"})
    after = generate_latest(REGISTRY).decode()
    for scope in ("all", "bundle"):
        assert value(after, "policybot_retrieval_duration_seconds_count", scope=scope) - \
            value(before, "policybot_retrieval_duration_seconds_count", scope=scope) == 1
        assert value(after, "policybot_retrieval_results_total", scope=scope, result="none") - \
            value(before, "policybot_retrieval_results_total", scope=scope, result="none") == 1
    spent = value(after, "policybot_retrieval_duration_seconds_sum", scope="all") - \
        value(before, "policybot_retrieval_duration_seconds_sum", scope="all")
    assert 0.015 < spent < 1.0
