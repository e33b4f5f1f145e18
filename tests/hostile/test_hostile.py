"""The hostile-input corpus (tests/hostile/inputs.yaml) at every entry point, in-process.

Each entry point is the real code: the search (the real index of the corpus), the action server (its own
Sanic app and the real actions, on loopback), Rasa's REST channel as we enable it (bot/channels/rest.py),
the web chat's socket.io handlers, the WeChat webhook (the channel's test harness), the eligibility API and
the identity provider (FastAPI test clients). Every input gets a clear error (a status and a code) or a
sane reply, nothing answers 500, no reply carries a stack trace, SQL or a framework's error page, and the
search answers any message in bounded time. tests/e2e/test_hostile.py sends the same corpus to the running
stack with Rasa in it."""

from __future__ import annotations

import asyncio
import json
import re
import threading
import time
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List, Optional
from urllib.parse import quote

import httpx
import pytest
from fastapi.testclient import TestClient
from rasa.core.channels.channel import UserMessage
from rasa_sdk import Action
from rasa_sdk.executor import ActionExecutor, CollectingDispatcher
from sanic import Sanic

from actions import server as action_server
from actions import settings as action_settings
from actions.clients import knowledge as knowledge_client
from bot.channels.caps import EMPTY_REPLY, MAX_MESSAGE_CHARS
from bot.channels.rest import CappedRestInput
from eligibility.app import create_app as create_eligibility
from eligibility.settings import Settings as EligibilitySettings
from idp.app import create_app as create_idp
from idp.settings import Settings as IdpSettings
from search.base import MAX_QUESTION_CHARS, KnowledgeBase
from tests.bot.channels.fakes import FakeBot, signed, text_xml
from tests.eligibility.conftest import TODAY, auth_settings, service_headers
from tests.hostile.corpus import LEAKS, load
from tests.ports import free_port, serving

CORPUS = load()
MESSAGES = CORPUS.messages
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
TOKEN = "hostile-action-token"


def no_leak(text: str) -> None:
    for marker in LEAKS:
        assert marker not in text, (marker, text[:300])


# ---- the corpus itself ------------------------------------------------------------------------------

def test_the_corpus_covers_what_the_issue_names() -> None:
    assert len(CORPUS) >= 60
    kinds = {m.kind for m in MESSAGES}
    assert {"empty", "long", "control", "emoji", "html", "sql", "prompt", "identifier"} <= kinds
    assert max(len(m.text) for m in MESSAGES) >= 20_000
    ids = {b.id for b in CORPUS.bodies} | {w.id for w in CORPUS.wechat}
    assert {"not_json", "truncated_json", "message_number", "message_object", "oversized_body",
            "billion_laughs", "external_entity", "oversized"} <= ids
    assert len({m.id for m in MESSAGES} | ids) == len(CORPUS)  # ids are unique


# ---- the search ---------------------------------------------------------------------------------------

def test_the_search_answers_every_message_in_bounded_time(corpus_kb: KnowledgeBase) -> None:
    corpus_kb.ask("高新技术企业认定有什么奖励？")  # warm
    slowest = 0.0
    for message in MESSAGES:
        start = time.perf_counter()
        answer = corpus_kb.ask(message.text, context_doc_id="ENT-001")
        elapsed = time.perf_counter() - start
        slowest = max(slowest, elapsed)
        assert elapsed < 2.0, (message.id, elapsed)  # it was minutes for 20,000 characters
        assert len(answer.query) <= MAX_QUESTION_CHARS + 100, message.id  # + the context's title
    assert slowest < 2.0


def test_a_long_question_is_answered_from_its_beginning(corpus_kb: KnowledgeBase) -> None:
    question = "高新技术企业认定有什么奖励？"
    padded = question + "人才租房补贴" * 4000
    head = corpus_kb.ask(padded[:MAX_QUESTION_CHARS])
    assert head.hits and corpus_kb.ask(padded).hits == head.hits  # nothing past the limit changes the answer
    assert corpus_kb.ask(padded + "养老" * 5000).hits == head.hits
    short = corpus_kb.ask(question)
    assert short.hits[0].doc_id == "ENT-056" and corpus_kb.ask(question + " " * 5000).hits == short.hits


def test_the_embedding_of_a_long_word_is_linear(corpus_kb: KnowledgeBase) -> None:
    """The super-cubic cost was the tokenizer's WordPiece over one long run; 20,000 characters now encode
    in well under a second (the search caps its input anyway: this checks the encoder on its own)."""
    encoder = corpus_kb.index.embedder
    text = ("高新技术企业认定有什么奖励" * 2000)[:20_000]
    start = time.perf_counter()
    vector = encoder.encode([text])[0]
    assert time.perf_counter() - start < 1.5 and abs(float((vector ** 2).sum()) - 1.0) < 1e-4


# ---- the action server ------------------------------------------------------------------------------

class SlowAction(Action):
    """Holds its thread with CPU work (as the search did), for the concurrency check."""

    def name(self) -> str:
        return "action_test_slow"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Any, domain: Dict[str, Any]) -> List[Any]:
        seconds = float(tracker.latest_message.get("text") or 1)
        end = time.perf_counter() + seconds
        while time.perf_counter() < end:
            sum(range(1000))
        dispatcher.utter_message(text="慢操作完成")
        return []


class BrokenAction(Action):
    def name(self) -> str:
        return "action_test_broken"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Any, domain: Dict[str, Any]) -> List[Any]:
        raise KeyError("secret-internal-detail 440309194803150023")


def action_call(action: str, text: Optional[str], sender: str = "hostile-user") -> Dict[str, Any]:
    return {"next_action": action, "sender_id": sender, "version": "3.6.21", "domain": {},
            "tracker": {"sender_id": sender, "slots": {}, "latest_message": {"text": text, "intent": {"name": "ask_policy"},
                                                                             "entities": []},
                        "events": [{"event": "action", "name": "action_listen"}, {"event": "user", "text": text}],
                        "paused": False, "followup_action": None, "active_loop": {},
                        "latest_action_name": "action_listen"}}


@pytest.fixture(scope="module")
def actions_url(corpus_index: Path) -> Iterator[str]:
    mp = pytest.MonkeyPatch()
    mp.setenv("POLICYBOT_INDEX_DIR", str(corpus_index))
    mp.setenv("POLICYBOT_ELIGIBILITY_URL", "http://127.0.0.1:9")  # the question log fails fast: logged only
    action_settings.get_settings.cache_clear()

    knowledge_client.knowledge_base()
    executor = ActionExecutor()
    executor.register_package("actions")
    executor.register_action(SlowAction)
    executor.register_action(BrokenAction)
    app = action_server.build(TOKEN, workers=4, timeout_s=3.0, executor=executor)
    port = free_port()
    with serving(app, port, "the action server"):
        yield f"http://127.0.0.1:{port}"
    mp.undo()
    action_settings.get_settings.cache_clear()



def post_action(url: str, body: Any, token: Optional[str] = TOKEN, timeout: float = 30) -> httpx.Response:
    raw = body if isinstance(body, bytes) else json.dumps(body, ensure_ascii=False).encode()
    return httpx.post(f"{url}/webhook", params={"token": token} if token else None, content=raw, timeout=timeout)


def test_every_message_gets_an_answer_from_the_action_server(actions_url: str) -> None:
    for message in MESSAGES:
        start = time.perf_counter()
        r = post_action(actions_url, action_call("action_answer_policy", message.text))
        assert r.status_code == 200, (message.id, r.status_code, r.text[:300])
        assert time.perf_counter() - start < 3.0, message.id
        body = r.json()
        texts = [m.get("text") or "" for m in body["responses"]]
        if message.text.strip():
            assert texts and all(texts), (message.id, body)
        no_leak(r.text)
        if len(message.text.strip()) > MAX_QUESTION_CHARS:
            assert texts[0].startswith("您的消息较长"), (message.id, texts[0])


def test_bad_calls_get_a_code_and_never_an_echo(actions_url: str) -> None:
    for body in CORPUS.bodies:
        r = post_action(actions_url, body.data)
        assert r.status_code in (400, 413), (body.id, r.status_code, r.text[:200])
        assert r.json()["error"]["code"] in ("invalid_action_call", "body_too_large"), body.id
    for wrong in ({"next_action": 1, "tracker": {}}, {"next_action": "action_answer_policy"},
                  {"next_action": "action_answer_policy", "tracker": {"sender_id": 5}},
                  {"next_action": "action_answer_policy", "tracker": {"sender_id": "x", "events": "no"}}):
        r = post_action(actions_url, wrong)
        assert r.status_code == 400 and r.json()["error"]["code"] == "invalid_action_call", wrong
    assert post_action(actions_url, action_call("action_answer_policy", "你好"), token=None).status_code == 401
    assert post_action(actions_url, action_call("action_does_not_exist", "你好")).status_code == 404
    broken = post_action(actions_url, action_call("action_test_broken", "身份证 440309194803150023"))
    assert broken.status_code == 200 and broken.json() == action_server.polite(action_server.FAILED)
    assert "440309194803150023" not in broken.text and "secret-internal-detail" not in broken.text


def test_a_busy_action_holds_no_one_else(actions_url: str) -> None:
    """While one call burns CPU for 2.5 s, /health and another user's question answer at once; a call
    longer than the time limit gets the polite apology instead of a hung turn."""
    results: Dict[str, Any] = {}

    def slow() -> None:
        results["slow"] = post_action(actions_url, action_call("action_test_slow", "2.5", "someone-else"))

    thread = threading.Thread(target=slow)
    thread.start()
    time.sleep(0.3)
    start = time.perf_counter()
    health = httpx.get(f"{actions_url}/health", timeout=10)
    question = post_action(actions_url, action_call("action_answer_policy", "人才租房补贴怎么申请？"))
    elapsed = time.perf_counter() - start
    thread.join()
    assert health.status_code == 200 and question.status_code == 200 and question.json()["responses"]
    assert elapsed < 1.5, elapsed  # not behind the 2.5 s of the other call
    assert results["slow"].json()["responses"][0]["text"] == "慢操作完成"
    timed_out = post_action(actions_url, action_call("action_test_slow", "4", "someone-else"))
    assert timed_out.json() == action_server.polite(action_server.TIMED_OUT)


# ---- Rasa's REST channel, as enabled in bot/credentials.yml --------------------------------------------

@pytest.fixture(scope="module")
def rest() -> Iterator[tuple]:
    bot = FakeBot()
    app = Sanic("hostile_rest", configure_logging=False)
    app.blueprint(CappedRestInput().blueprint(bot), url_prefix="/webhooks/rest")
    port = free_port()
    with serving(app, port, "the REST channel"):
        yield f"http://127.0.0.1:{port}/webhooks/rest/webhook", bot


def test_rest_channel_bad_bodies_get_a_400_with_a_code(rest: tuple) -> None:
    url, bot = rest
    before = len(bot.calls)
    for body in CORPUS.bodies:
        r = httpx.post(url, content=body.data, headers={"Content-Type": "application/json"}, timeout=30)
        if body.id in ("bom_prefixed", "duplicate_keys", "lone_surrogate"):  # a sender and a string message
            assert r.status_code in (200, 400), body.id
            continue
        assert r.status_code in (400, 413), (body.id, r.status_code, r.text[:200])
        assert r.json()["error"]["code"] in ("invalid_json", "invalid_sender", "invalid_message", "body_too_large"), body.id
    assert all(call.sender_id in ("a", "b", "hostile") for call in bot.calls[before:])


def test_rest_channel_messages_reach_rasa_clean_and_capped(rest: tuple) -> None:
    url, bot = rest
    for message in MESSAGES:
        before = len(bot.calls)
        r = httpx.post(url, json={"sender": "hostile-rest", "message": message.text, "metadata": {"role": "admin"},
                                  "input_channel": "wechat"}, timeout=30)
        assert r.status_code == 200, (message.id, r.text[:200])
        replies = r.json()
        assert replies and replies[0].get("text"), message.id
        if len(bot.calls) == before:  # nothing left after cleaning: a prompt, no turn
            assert replies[0]["text"] == EMPTY_REPLY, message.id
            continue
        sent: UserMessage = bot.calls[-1]
        assert sent.text and len(sent.text) <= MAX_MESSAGE_CHARS and not CONTROL.search(sent.text), message.id
        assert sent.input_channel == "rest" and not sent.metadata, message.id


# ---- the web chat's socket.io handlers ---------------------------------------------------------------

def test_web_chat_messages_are_clean_capped_or_prompted(monkeypatch: pytest.MonkeyPatch) -> None:
    from bot.webchat import TURN_END_EVT, WebChatInput
    from tests.bot.test_webchat import FakeServer

    server = FakeServer()
    monkeypatch.setattr("bot.webchat.AsyncServer", lambda **kwargs: server)
    received: List[UserMessage] = []

    async def on_new_message(message: UserMessage) -> None:
        received.append(message)

    WebChatInput.from_credentials({"session_persistence": True}).blueprint(on_new_message)
    asyncio.run(server.handlers["session_request"]("sid-h", {"session_id": None}))
    session = server.rooms["sid-h"]
    for message in MESSAGES:
        before, emitted = len(received), len(server.emitted)
        asyncio.run(server.handlers["user_uttered"]("sid-h", {"message": message.text, "session_id": "web-" + "0" * 32}))
        events = server.emitted[emitted:]
        assert events[-1][0] == TURN_END_EVT and events[-1][2] == session, message.id
        if len(received) == before:
            assert any(e[1] == {"text": EMPTY_REPLY} for e in events), message.id
            continue
        sent = received[-1]
        assert sent.sender_id == session and len(sent.text or "") <= MAX_MESSAGE_CHARS, message.id
        assert sent.text and not CONTROL.search(sent.text), message.id
    for junk in (None, "text", 5, ["x"], {"message": 5}, {"message": None}, {"message": {"$ne": 1}}):
        before = len(received)
        asyncio.run(server.handlers["user_uttered"]("sid-h", junk))
        assert len(received) == before, junk


# ---- the WeChat webhook --------------------------------------------------------------------------------

def test_wechat_bombs_and_oversized_bodies_are_refused(wechat: Callable[..., Any]) -> None:
    h = wechat()
    for entry in CORPUS.wechat:
        start = time.perf_counter()
        r = h.post(entry.xml(), timeout=30)
        assert r.status_code == entry.expect, (entry.id, r.status_code, r.text[:200])
        assert time.perf_counter() - start < 10, entry.id
        assert "root:x:0:0" not in r.text and "lol" not in r.text, entry.id
    for text in h.bot.texts:
        assert len(text) <= MAX_MESSAGE_CHARS and "<script>" not in text or text.startswith("]]>")
    r = h.post(CORPUS.wechat[0].xml(), safe=True)  # the bomb inside the encrypted envelope too
    assert r.status_code == 400


def test_wechat_text_messages_get_a_sane_reply(wechat: Callable[..., Any]) -> None:
    h = wechat()
    for n, message in enumerate(MESSAGES):
        if "\x00" in message.text or CONTROL.search(message.text) or len(message.text.encode()) > 60_000:
            continue  # not expressible in WeChat's XML (and over its size limit): refused above
        cdata = message.text.replace("]]>", "]]]]><![CDATA[>")
        r = h.post(text_xml(cdata, msg_id=8_100_000_000 + n), timeout=30)
        assert r.status_code == 200, (message.id, r.status_code, r.text[:200])
    assert h.bot.texts and all(len(t) <= MAX_MESSAGE_CHARS for t in h.bot.texts)
    assert httpx.get(f"{h.url}/webhooks/wechat/").status_code == 200  # still up
    assert signed(h.settings.token)  # the harness' signing helper still works (same process)


# ---- the eligibility API -------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def eligibility(tmp_path_factory: pytest.TempPathFactory) -> TestClient:
    tmp = tmp_path_factory.mktemp("hostile-eligibility")
    return TestClient(create_eligibility(EligibilitySettings(database_url=f"sqlite:///{tmp / 'h.db'}", today=TODAY,
                                                             **auth_settings(tmp))))


def shaped(r: httpx.Response, what: str) -> None:
    assert r.status_code < 500 or (r.status_code == 503 and r.json()["error"]["code"] == "oidc_unavailable"), \
        (what, r.status_code, r.text[:300])
    if r.status_code >= 400:
        error = r.json()["error"]
        assert re.fullmatch(r"[a-z_]+", error["code"]) and error["message"], (what, r.text[:300])
    no_leak(r.text)


ELIGIBILITY_POSTS = ["/match", "/applications", "/ratings", "/tickets", "/auth/otp", "/auth/otp/verify",
                     "/auth/login", "/auth/staff/login", "/subscriptions", "/questions"]


def test_eligibility_api_refuses_bad_bodies_with_a_code(eligibility: TestClient) -> None:
    service = service_headers("hostile-conversation")
    for path in ELIGIBILITY_POSTS:
        for body in CORPUS.bodies:
            for headers in ({}, service):
                r = eligibility.post(path, content=body.data, headers={"content-type": "application/json", **headers})
                shaped(r, f"{path} {body.id}")


def test_eligibility_api_takes_hostile_text_in_every_field(eligibility: TestClient) -> None:
    service = service_headers("hostile-conversation")
    for message in MESSAGES:
        text = message.text
        calls = [("POST", "/auth/otp", {"subject_id": text}), ("POST", "/auth/otp/verify", {"code": text}),
                 ("POST", "/match", {"profile_id": text, "fields": {"industry": text}}),
                 ("POST", "/ratings", {"conversation_id": text, "level": text, "reason": text}),
                 ("POST", "/tickets", {"kind": "投诉", "text": text, "conversation_id": "hostile"}),
                 ("POST", "/auth/staff/login", {"username": text, "password": text}),
                 ("POST", "/questions", {"text": text, "outcome": "not_found"}),
                 ("GET", f"/policies/{quote(text[:200], safe='')}", None),
                 ("GET", f"/profiles/{quote(text[:200], safe='')}", None)]
        for method, path, body in calls:
            r = eligibility.request(method, path, json=body, headers=service)
            shaped(r, f"{method} {path[:40]} {message.id}")
    assert eligibility.get("/health").status_code == 200


def test_invalid_identifiers_are_refused_before_anything_else(eligibility: TestClient) -> None:
    service = service_headers("hostile-conversation")
    for bad in ("91350100M000100Y4X", "9135010", "11010519491231002Y", "440309194813450023", "000000000000000000",
                "' OR '1'='1", "440309194803150023\x00", "<script>"):
        r = eligibility.post("/auth/otp", json={"subject_id": bad}, headers=service)
        shaped(r, bad)
        assert r.status_code in (200, 202, 400, 422, 429), (bad, r.status_code)  # 429: the per-conversation limit
        if r.status_code in (200, 202):  # the same answer as for a known number (no probing): but never a code sent
            assert "440309194803150023" not in r.text


# ---- the identity provider --------------------------------------------------------------------------------

def test_identity_provider_refuses_hostile_input(tmp_path: Path) -> None:
    client = TestClient(create_idp(IdpSettings(key_path=tmp_path / "k.pem")))
    for message in MESSAGES:
        text = message.text[:1000]  # an httpx client refuses longer query strings itself
        for method, path, kwargs in (
                ("GET", "/authorize", {"params": {"client_id": text, "redirect_uri": text, "response_type": "code",
                                                  "state": text, "code_challenge": text}}),
                ("POST", "/authorize", {"data": {"pending": text, "username": text, "password": text}}),
                ("POST", "/token", {"data": {"grant_type": "authorization_code", "code": text, "client_id": text,
                                             "client_secret": text, "code_verifier": text}}),
                ("GET", "/userinfo", {"headers": {"Authorization": b"Bearer " + re.sub(r"[\x00-\x1f]", "", text[:500])
                                                  .encode("utf-8")}})):
            r = client.request(method, path, **kwargs)
            assert r.status_code < 500, (message.id, path, r.status_code, r.text[:200])
            no_leak(r.text)
    for body in CORPUS.bodies:
        r = client.post("/token", content=body.data, headers={"content-type": "application/x-www-form-urlencoded"})
        assert r.status_code < 500, (body.id, r.status_code)
    assert client.get("/health").status_code == 200
