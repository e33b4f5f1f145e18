"""转人工 end to end through the real Rasa, action server and service: the bot pauses, the operator takes the
conversation in the console API, replies into it, hands back, and the bot answers again."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
import uuid
from typing import Any, Dict, List, Optional

import pytest

from policybot.supervisor import Stack
from tests.e2e.conftest import api, staff_token, text_of


def say(stack: Stack, sender: str, message: str) -> List[dict]:
    body = json.dumps({"sender": sender, "message": message}).encode()
    req = urllib.request.Request(f"{stack.url('rasa')}/webhooks/rest/webhook", data=body,
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=60) as resp:
        return list(json.loads(resp.read()))


def console(stack: Stack, method: str, path: str, token: str, body: Optional[dict] = None) -> Dict[str, Any]:
    return dict(api(stack, method, f"/api/console{path}", token, body))


def tracker_texts(stack: Stack, sender: str) -> List[Dict[str, Any]]:
    url = f"{stack.url('rasa')}/conversations/{sender}/tracker?token={stack.rasa_token}"
    with urllib.request.urlopen(url, timeout=30) as resp:
        events = json.loads(resp.read())["events"]
    return [e for e in events if e.get("event") in ("user", "bot", "pause", "resume")]


def test_live_handoff_pauses_the_bot_and_the_operator_answers_in_the_conversation(stack: Stack) -> None:
    sender = f"e2e-handoff-{uuid.uuid4().hex[:8]}"
    say(stack, sender, "居住证第一次怎么申请")
    replies = say(stack, sender, "我要转人工")
    card = next(r["custom"] for r in replies if (r.get("custom") or {}).get("type") == "handoff")
    assert card["live"] is True and "直接在这里回复您" in text_of(replies)
    tid = card["ticket_id"]

    # paused: the user's words are recorded for the operator, the bot says nothing over them
    assert say(stack, sender, "在吗？我等着呢") == []

    operator = staff_token(stack, "operator")
    queue = console(stack, "GET", "/handoffs?scope=waiting&limit=200", operator)
    assert tid in [i["id"] for i in queue["items"]]
    view = console(stack, "GET", f"/handoffs/{tid}", operator)
    users = [line["text"] for line in view["transcript"] if line["role"] == "user"]
    assert "居住证第一次怎么申请" in users and "在吗？我等着呢" in users and view["transcript_source"] == "rasa"

    console(stack, "POST", f"/handoffs/{tid}/claim", operator)
    with pytest.raises(urllib.error.HTTPError) as taken:  # a second operator cannot take it
        console(stack, "POST", f"/handoffs/{tid}/claim", staff_token(stack, "admin"))
    assert taken.value.code == 409
    reply = "您好，首次申领居住证需先办理居住登记，满6个月后可申领，一般10个工作日办结。"
    console(stack, "POST", f"/handoffs/{tid}/messages", operator, {"text": reply})
    bots = [e for e in tracker_texts(stack, sender) if e["event"] == "bot"]
    assert bots[-1]["text"] == reply and bots[-1]["metadata"]["operator"] == "operator"
    assert say(stack, sender, "好的，谢谢") == []  # still with the operator: the bot stays quiet

    closed = console(stack, "POST", f"/handoffs/{tid}/release", operator, {"note": "已说明首次申领流程与时限"})
    assert closed["status"] == "已办结" and any(line["text"] == reply for line in closed["transcript"])
    events = tracker_texts(stack, sender)
    assert [e["event"] for e in events].count("resume") == 1
    # the bot is back: a question gets a cited answer again
    again = say(stack, sender, "居住证办理需要哪些材料")
    assert again and any((r.get("custom") or {}).get("citations") for r in again)
