"""Metrics and structured logs of the running stack: a user's turns move Rasa's turn metrics
(/webhooks/metrics/), the action server's action, retrieval and handoff metrics (/metrics) and the
eligibility service's request, handoff and queue metrics (/metrics); each process wrote one JSON line per
turn, action or request naming the conversation by its ref, and nothing personal is in a label or a line."""

from __future__ import annotations

import urllib.request
import uuid
from pathlib import Path
from typing import Dict, List

from policybot import paths
from policybot.supervisor import Stack
from policybot.telemetry import conversation_ref
from tests.e2e.conftest import staff_token
from tests.e2e.test_handoff_journeys import console, say
from tests.prometheus import json_lines, label_values, personal_data, value

PHONE = "13800138000"


def scrape(url: str) -> str:
    with urllib.request.urlopen(url, timeout=30) as resp:
        assert resp.status == 200 and resp.headers["Content-Type"].startswith("text/plain; version=")
        return resp.read().decode()


def all_metrics(stack: Stack) -> Dict[str, str]:
    return {"rasa": scrape(f"{stack.url('rasa')}/webhooks/metrics/"), "actions": scrape(f"{stack.url('actions')}/metrics"),
            "eligibility": scrape(f"{stack.url('eligibility')}/metrics")}


def events_of(service: str, ref: str) -> List[dict]:
    log = Path(paths.LOGS) / f"{service}.log"
    return [line for line in json_lines(log.read_text(encoding="utf-8", errors="replace"))
            if line.get("conversation") == ref]


def test_a_conversation_moves_every_process_metrics(stack: Stack) -> None:
    with urllib.request.urlopen(f"{stack.url('rasa')}/webhooks/metrics/health", timeout=10) as resp:
        assert resp.status == 200
    before = all_metrics(stack)
    sender = f"e2e-metrics-{uuid.uuid4().hex[:8]}"
    assert say(stack, sender, "高新技术企业认定有什么奖励？")
    replies = say(stack, sender, "我要转人工")
    card = next(r["custom"] for r in replies if (r.get("custom") or {}).get("type") == "handoff")
    assert say(stack, sender, f"我的电话是{PHONE}") == []  # paused: recorded for the operator, no bot turn
    after = all_metrics(stack)

    def moved(service: str, name: str, **labels: str) -> float:
        return value(after[service], name, **labels) - value(before[service], name, **labels)

    # Rasa: three turns on the REST channel, timed; what they said counted
    assert moved("rasa", "policybot_turn_duration_seconds_count", channel="rest", status="ok") >= 3
    assert moved("rasa", "policybot_channel_messages_total", channel="rest", direction="in") >= 3
    assert moved("rasa", "policybot_channel_messages_total", channel="rest", direction="out") >= 2
    # the action server: the answer searched the knowledge base, the handoff went live
    assert moved("actions", "policybot_action_duration_seconds_count", action="action_answer_policy") >= 1
    assert moved("actions", "policybot_retrieval_duration_seconds_count", scope="all") >= 1
    assert moved("actions", "policybot_action_handoffs_total", result="live") >= 1
    # the eligibility service: the ticket's request by its template, the handoff opened and waiting
    assert moved("eligibility", "policybot_http_request_duration_seconds_count", route="/tickets", method="POST",
                 status="201") >= 1
    assert moved("eligibility", "policybot_handoffs_opened_total", live="true") >= 1
    assert value(after["eligibility"], "policybot_handoff_queue_length", status="waiting", live="true") >= 1
    for service, text in after.items():
        assert PHONE not in text and personal_data(label_values(text)) == [], service

    # one JSON line per turn, action and request, the conversation named by its ref and never by its id
    ref = conversation_ref(sender)
    assert ref is not None
    turns = events_of("rasa", ref)
    assert [t["status"] for t in turns][-3:] == ["ok", "ok", "ok"] and all(t["channel"] == "rest" for t in turns)
    actions = events_of("actions", ref)
    assert {"action_answer_policy", "action_handoff"} <= {a["action"] for a in actions}
    assert any(r["route"] == "/tickets" and r["status"] == 201 for r in events_of("eligibility", ref))
    for service in ("rasa", "actions", "eligibility"):
        text = (Path(paths.LOGS) / f"{service}.log").read_text(encoding="utf-8", errors="replace")
        assert personal_data(line for line in text.splitlines() if line.startswith("{")) == [], service
        assert not any(sender in line for line in text.splitlines() if line.startswith("{")), service

    # leave no one waiting: an operator takes the conversation and hands it back
    operator = staff_token(stack, "operator")
    console(stack, "POST", f"/handoffs/{card['ticket_id']}/claim", operator)
    console(stack, "POST", f"/handoffs/{card['ticket_id']}/release", operator, {"note": "指标测试"})
    done = scrape(f"{stack.url('eligibility')}/metrics")
    assert value(done, "policybot_handoff_queue_length", status="waiting", live="true") <= \
        value(after["eligibility"], "policybot_handoff_queue_length", status="waiting", live="true") - 1
