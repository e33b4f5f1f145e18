"""Rasa's metrics, measured in our channels (REST, web chat, WeChat) and served by the metrics channel at
/webhooks/metrics/: turns timed from the message in to the turn's last reply, messages in and out, one JSON
line per turn with the conversation as a ref; nothing personal in a label or a line."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List, Tuple

import httpx
import pytest
from rasa.core.run import create_http_input_channels
from sanic import Sanic

from bot.channels.metrics import MetricsInput
from bot.channels.rest import CappedRestInput
from bot.channels.wechat_outbox import user_ref
from policybot import paths
from policybot.telemetry import conversation_ref
from tests.bot.channels.fakes import OPENID, FakeBot, text_xml
from tests.ports import free_port, serving
from tests.prometheus import captured_events, json_lines, label_values, personal_data, value

ID_NUMBER = "440309194803150023"
PHONE = "13800138000"
TURNS = "policybot_turn_duration_seconds_count"
MESSAGES = "policybot_channel_messages_total"


@pytest.fixture(scope="module")
def rasa() -> Iterator[Tuple[str, FakeBot]]:
    """The REST channel and the metrics channel on one Sanic app, as Rasa mounts them (a fake bot)."""
    bot = FakeBot()
    app = Sanic("metrics_channels", configure_logging=False)
    app.blueprint(CappedRestInput().blueprint(bot), url_prefix="/webhooks/rest")
    app.blueprint(MetricsInput().blueprint(bot), url_prefix="/webhooks/metrics")
    port = free_port()
    with serving(app, port, "the channels"):
        yield f"http://127.0.0.1:{port}", bot


def scrape(base: str) -> str:
    r = httpx.get(f"{base}/webhooks/metrics/", timeout=10)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/plain; version="), r.text
    return r.text


def say(base: str, sender: str, message: str) -> List[Dict[str, Any]]:
    r = httpx.post(f"{base}/webhooks/rest/webhook", json={"sender": sender, "message": message}, timeout=30)
    assert r.status_code == 200, r.text
    return list(r.json())


def test_credentials_enable_the_metrics_channel(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("WECHAT_OUTBOX_PATH", str(tmp_path / "outbox.sqlite3"))
    channels = create_http_input_channels(None, str(paths.CREDENTIALS))  # what `rasa run --credentials` does
    names = [c.name() for c in channels]
    assert "metrics" in names and {"rest", "socketio", "wechat"} <= set(names)
    metrics = next(c for c in channels if c.name() == "metrics")
    assert isinstance(metrics, MetricsInput) and metrics.url_prefix() == "metrics"
    for channel in channels:
        outbox = getattr(channel, "outbox", None)
        if outbox is not None:
            outbox.close()


def test_metrics_and_health_answer(rasa: Tuple[str, FakeBot]) -> None:
    base, _ = rasa
    text = scrape(base)
    for name in ("policybot_turn_duration_seconds", "policybot_channel_messages_total", "policybot_turns_in_progress"):
        assert f"# TYPE {name} " in text, name
    health = httpx.get(f"{base}/webhooks/metrics/health", timeout=10)
    assert health.status_code == 200 and health.json()["status"] == "ok"
    assert health.json()["turns_in_progress"] == {"rest": 0, "socketio": 0, "wechat": 0}


def test_rest_turns_are_timed_and_counted(rasa: Tuple[str, FakeBot]) -> None:
    base, bot = rasa
    before = scrape(base)
    bot.delay_s = 0.05
    try:
        assert len(say(base, "metrics-rest", "高新技术企业认定有什么奖励？")) == 2  # two bot messages
        say(base, "metrics-rest", "你好")
    finally:
        bot.delay_s = 0.0
    say(base, "metrics-rest", "   ")  # empty: a prompt, no turn
    after = scrape(base)

    def moved(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert moved(TURNS, channel="rest", status="ok") == 2
    assert moved(MESSAGES, channel="rest", direction="in") == 2
    assert moved(MESSAGES, channel="rest", direction="out") == 3
    spent = moved("policybot_turn_duration_seconds_sum", channel="rest", status="ok")
    assert 0.095 <= spent < 2.0  # both turns waited for the bot's 50 ms (an event loop may wake a little early)
    assert moved("policybot_turn_duration_seconds_bucket", channel="rest", status="ok", le="0.025") == 0


def test_a_failed_turn_is_an_error_turn(rasa: Tuple[str, FakeBot]) -> None:
    base, bot = rasa
    before = scrape(base)

    def broken(text: str) -> List[Dict[str, Any]]:
        raise RuntimeError("the turn failed")

    bot.script = broken
    try:
        assert say(base, "metrics-rest", "你好") == []  # what was collected: nothing
    finally:
        bot.script = None
    after = scrape(base)
    assert value(after, TURNS, channel="rest", status="error") - value(before, TURNS, channel="rest", status="error") == 1


def test_one_json_line_per_turn_without_personal_data(rasa: Tuple[str, FakeBot]) -> None:
    base, _ = rasa
    with captured_events("rasa") as out:
        say(base, PHONE, f"我的身份证号是{ID_NUMBER}，手机{PHONE}")
    lines = json_lines(out.getvalue())
    assert len(lines) == 1
    line = lines[0]
    assert (line["service"], line["event"], line["channel"], line["status"]) == ("rasa", "turn", "rest", "ok")
    assert line["conversation"] == conversation_ref(PHONE) and line["replies"] == 1
    assert line["latency_ms"] >= 0
    assert PHONE not in out.getvalue() and ID_NUMBER not in out.getvalue()
    assert personal_data(out.getvalue().splitlines()) == [] and personal_data(label_values(scrape(base))) == []


def test_text_format_and_off(rasa: Tuple[str, FakeBot]) -> None:
    base, _ = rasa
    with captured_events("rasa", fmt="text") as out:
        say(base, "metrics-text", "你好")
    line = out.getvalue().strip()
    assert " turn service=rasa " in line and "channel=rest" in line and "status=ok" in line
    assert f"conversation={conversation_ref('metrics-text')}" in line
    with captured_events("rasa", fmt="off") as silent:
        say(base, "metrics-text", "你好")
    assert silent.getvalue() == ""


def test_web_chat_turns_and_bot_messages(monkeypatch: pytest.MonkeyPatch) -> None:
    from bot.channels import metrics
    from bot.webchat import WebChatInput
    from tests.bot.test_webchat import FakeServer

    server = FakeServer()
    monkeypatch.setattr("bot.webchat.AsyncServer", lambda **kwargs: server)
    bot = FakeBot()
    WebChatInput.from_credentials({"session_persistence": True}).blueprint(bot)
    from prometheus_client import REGISTRY, generate_latest

    before = generate_latest(REGISTRY).decode()
    asyncio.run(server.handlers["session_request"]("sid-m", {"session_id": None}))
    session = server.rooms["sid-m"]
    with captured_events("rasa") as out:
        asyncio.run(server.handlers["user_uttered"]("sid-m", {"message": "高新技术企业认定有什么奖励？"}))
        asyncio.run(server.handlers["user_uttered"]("sid-m", {"message": ""}))  # a prompt, no turn
    after = generate_latest(REGISTRY).decode()

    def moved(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert moved(TURNS, channel="socketio", status="ok") == 1
    assert moved(MESSAGES, channel="socketio", direction="in") == 1
    assert moved(MESSAGES, channel="socketio", direction="out") == 2  # the two answers (the prompt is no turn)
    lines = json_lines(out.getvalue())
    assert [(line["channel"], line["conversation"]) for line in lines] == [("socketio", conversation_ref(session))]
    assert session[4:] not in out.getvalue()  # the session id lets a browser speak for the conversation
    assert metrics.turns_in_progress()["socketio"] == 0


def test_wechat_turns_and_pushed_messages(wechat: Callable[..., Any]) -> None:
    from prometheus_client import REGISTRY, generate_latest

    h = wechat()
    before = generate_latest(REGISTRY).decode()
    with captured_events("rasa") as out:
        r = h.post(text_xml("你好", msg_id=7_700_000_001))
        assert r.status_code == 200 and "收到：你好" in r.text
        h.post(text_xml("你好", msg_id=7_700_000_001))  # WeChat's retry: the same turn, not another
        asyncio.run(h.channel.get_output_channel().send_response(f"wx:{OPENID}", {"text": "人工客服：您好"}))
    after = generate_latest(REGISTRY).decode()

    def moved(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert moved(TURNS, channel="wechat", status="ok") == 1
    assert moved(MESSAGES, channel="wechat", direction="in") == 1
    assert moved(MESSAGES, channel="wechat", direction="out") == 2  # the answer and the operator's message
    lines = json_lines(out.getvalue())
    assert [(line["channel"], line["conversation"]) for line in lines] == [("wechat", "wx:" + user_ref(OPENID))]
    assert OPENID not in out.getvalue()
    h.channel.outbox.close()


def test_conversation_refs_hide_the_id_and_keep_lines_together() -> None:
    assert conversation_ref("wx:" + OPENID) == "wx:" + user_ref(OPENID)  # as the WeChat channel's own log lines
    assert conversation_ref("web-" + "0f" * 16).startswith("web-") and "0f" * 16 not in conversation_ref("web-" + "0f" * 16)
    assert PHONE not in (conversation_ref(PHONE) or "") and conversation_ref(PHONE) != conversation_ref(PHONE + "x")
    long_id = "r" * 80
    assert conversation_ref(long_id) == conversation_ref(long_id + "tail")  # the action server sends 80 characters
    assert conversation_ref(None) is None and conversation_ref("") is None
    refs = [conversation_ref(f"1{n:010d}") or "" for n in range(3000)]  # phone-like senders
    assert personal_data(refs) == [] and not any(re.search(r"\d{11}", ref) for ref in refs)
