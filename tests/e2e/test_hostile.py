"""The hostile-input corpus (tests/hostile/inputs.yaml) at every entry point of the running stack.

Rasa's REST channel (as enabled: bot/channels/rest.py), the web chat's socket.io channel, the WeChat
webhook, the action server, the eligibility API and the identity provider each get the corpus; then every
process must still be running and healthy, an ordinary question must still be answered with its citation,
and no service log may hold the ID or card numbers the corpus typed. A 20,000-character message is sent
while another user asks an ordinary question: that question is answered in seconds, not after it."""

from __future__ import annotations

import logging
import threading
import time
import uuid
from typing import Any, Dict, List

import httpx

from bot.channels.caps import EMPTY_REPLY
from policybot.supervisor import Stack
from tests.bot.channels.fakes import signed, text_xml
from tests.e2e.conftest import cited
from tests.hostile.corpus import LEAKS, load

# This test's own HTTP client would log each request line (the hostile text in its query string) at INFO; the
# logs under test are the servers'. The product's clients are quiet the same way (bot/channels/wechat_api.py).
logging.getLogger("httpx").setLevel(logging.WARNING)

CORPUS = load()
TYPED_NUMBERS = ("110105194912310021", "6222020200112233445", "13800138000")  # from the corpus' messages
ASK = "高新技术企业认定有什么奖励？"


def no_leak(text: str) -> None:
    for marker in LEAKS:
        assert marker not in text, (marker, text[:300])


def rest(stack: Stack, sender: str, message: Any, timeout: float = 60) -> httpx.Response:
    return httpx.post(f"{stack.url('rasa')}/webhooks/rest/webhook", json={"sender": sender, "message": message},
                      timeout=timeout)


def all_up(stack: Stack) -> None:
    for service in stack.services:
        assert service.process is not None and service.process.poll() is None, f"{service.name} died"
        assert service.healthy(), f"{service.name} is not healthy"


def test_rest_channel_answers_every_message_sanely(stack: Stack) -> None:
    for message in CORPUS.messages:  # each from a new conversation: one may hand over to a person (paused)
        sender = f"hostile-{uuid.uuid4().hex[:8]}"
        start = time.perf_counter()
        r = rest(stack, sender, message.text)
        assert r.status_code == 200, (message.id, r.status_code, r.text[:200])
        replies = r.json()
        assert isinstance(replies, list), (message.id, replies)
        if message.text.startswith("/"):  # Rasa's payload syntax names an intent: the dialogue may stay silent,
            after = rest(stack, sender, ASK).json()  # but the conversation must go on
            assert "ENT-056" in cited(after), (message.id, after)
        else:
            assert replies, (message.id, replies)  # never silence
        assert time.perf_counter() - start < 20, message.id
        no_leak(r.text)
        for number in ("440309194803150023", "430102200206110032"):  # the demo people: never someone else's data
            assert number not in r.text, message.id
        if not message.text.strip():
            assert replies[0]["text"] == EMPTY_REPLY
    for body in CORPUS.bodies:
        r = httpx.post(f"{stack.url('rasa')}/webhooks/rest/webhook", content=body.data,
                       headers={"Content-Type": "application/json"}, timeout=60)
        assert r.status_code in (200, 400, 413), (body.id, r.status_code, r.text[:200])
        if r.status_code != 200:
            assert r.json()["error"]["code"], body.id
    all_up(stack)


def test_a_long_message_holds_no_one_else(stack: Stack) -> None:
    """Issue 13: after a 20,000-character message every question timed out (90 s)."""
    timings: Dict[str, float] = {}
    long_text = ("高新技术企业认定有什么奖励" * 2000)[:20_000]

    def long_user() -> None:
        start = time.perf_counter()
        r = rest(stack, f"hostile-long-{uuid.uuid4().hex[:6]}", long_text, timeout=120)
        timings["long"] = time.perf_counter() - start
        timings["long_status"] = r.status_code

    thread = threading.Thread(target=long_user)
    thread.start()
    time.sleep(0.1)
    start = time.perf_counter()
    replies = rest(stack, f"hostile-other-{uuid.uuid4().hex[:6]}", ASK).json()
    timings["other"] = time.perf_counter() - start
    thread.join()
    assert "ENT-056" in cited(replies), replies
    assert timings["long_status"] == 200 and timings["long"] < 15, timings
    assert timings["other"] < 8, timings


def test_wechat_webhook_refuses_bombs_and_answers_text(stack: Stack) -> None:
    url, token = f"{stack.url('rasa')}/webhooks/wechat/webhook", stack.env["WECHAT_TOKEN"]
    for entry in CORPUS.wechat:
        r = httpx.post(url, params=signed(token), content=entry.xml().encode("utf-8"), timeout=30)
        assert r.status_code == entry.expect, (entry.id, r.status_code, r.text[:200])
        assert "root:x:0:0" not in r.text
    openid = "oHostile" + uuid.uuid4().hex[:20]
    for n, message in enumerate(CORPUS.messages[:30]):
        if any(ord(c) < 32 and c not in "\t\n\r" for c in message.text) or len(message.text.encode()) > 60_000:
            continue
        xml = text_xml(message.text.replace("]]>", "]]]]><![CDATA[>"), msg_id=7_700_000_000 + n, openid=openid)
        r = httpx.post(url, params=signed(token), content=xml.encode("utf-8"), timeout=30)
        assert r.status_code == 200, (message.id, r.status_code, r.text[:200])
        no_leak(r.text)
    all_up(stack)


def test_web_chat_socket_answers_hostile_messages(stack: Stack) -> None:
    import socketio  # python-socketio is in requirements/lock.txt: missing, this fails rather than skips
    client = socketio.Client(reconnection=False)
    answers: List[Any] = []
    turn_done, confirmed = threading.Event(), threading.Event()
    session: Dict[str, str] = {}
    client.on("session_confirm", lambda sid: (session.update(id=sid), confirmed.set()))
    client.on("bot_uttered", lambda data: answers.append(data))
    client.on("bot_turn_end", lambda *_: turn_done.set())
    client.connect(stack.url("rasa"), headers={"Origin": stack.url("eligibility")}, transports=["polling"],
                   socketio_path="/socket.io", wait_timeout=10)
    try:
        client.emit("session_request", {"session_id": None})
        assert confirmed.wait(10)
        picks = ["empty", "long_20000_no_punctuation", "nul_bytes", "emoji_flood", "script_tag", "sql_drop",
                 "ignore_instructions", "payload_inform_subject", "id_bad_checksum", "crlf_injection"]
        for ident in picks:
            answers.clear()
            turn_done.clear()
            client.emit("user_uttered", {"message": CORPUS.message(ident).text, "session_id": session["id"]})
            assert turn_done.wait(30), ident
            assert answers, ident
            for answer in answers:
                no_leak(str(answer))
        for junk in (None, 5, "text", {"message": {"$ne": 1}}):
            client.emit("user_uttered", junk)
        answers.clear()
        turn_done.clear()
        client.emit("user_uttered", {"message": ASK, "session_id": session["id"]})
        assert turn_done.wait(30) and answers
    finally:
        client.disconnect()
    all_up(stack)


def test_action_server_eligibility_and_idp_take_the_bodies(stack: Stack) -> None:
    actions = f"{stack.url('actions')}/webhook"
    for body in CORPUS.bodies:
        r = httpx.post(actions, content=body.data, timeout=30)
        assert r.status_code == 401, (body.id, r.status_code)  # no token: nothing else is read
        r = httpx.post(actions, params={"token": stack.action_token}, content=body.data, timeout=30)
        assert r.status_code in (400, 413) and r.json()["error"]["code"], (body.id, r.status_code, r.text[:200])
        for path in ("/match", "/auth/otp", "/ratings", "/tickets", "/auth/staff/login"):
            r = httpx.post(f"{stack.url('eligibility')}{path}", content=body.data,
                           headers={"Content-Type": "application/json"}, timeout=30)
            assert r.status_code < 500 and r.json()["error"]["code"], (path, body.id, r.status_code, r.text[:200])
        r = httpx.post(f"{stack.url('idp')}/token", content=body.data,
                       headers={"Content-Type": "application/x-www-form-urlencoded"}, timeout=30)
        assert r.status_code < 500, (body.id, r.status_code)
    for message in CORPUS.messages:
        r = httpx.get(f"{stack.url('idp')}/authorize", timeout=30,
                      params={"client_id": message.text[:500], "redirect_uri": message.text[:500], "state": "x"})
        assert r.status_code < 500, (message.id, r.status_code)
    all_up(stack)


def test_everything_still_answers_and_nothing_leaked_into_the_logs(stack: Stack, chat: Any) -> None:
    all_up(stack)
    assert "ENT-056" in cited(chat(ASK))
    for service in stack.services:
        log = service.log.read_text(encoding="utf-8", errors="replace") if service.log else ""
        for number in TYPED_NUMBERS:
            assert number not in log, (service.name, number)
