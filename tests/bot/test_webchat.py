"""The web chat's socket.io channel (bot/webchat.py): who may connect, which conversation a socket speaks
for, and what one bot message carries. The handlers run against an in-memory stand-in for the socket
server's session store; tests/e2e/test_browser.py drives the real one from Chromium."""

from __future__ import annotations

import asyncio
from typing import Any, Dict, List, Optional

import pytest

from bot.webchat import (
    SESSION_ID,
    TURN_END_EVT,
    WebChatInput,
    WebChatOutput,
    allowed_origins,
    origin_of,
    web_message,
)


def test_the_default_origin_is_the_chat_pages() -> None:
    assert allowed_origins(None, "http://127.0.0.1:8100") == ["http://127.0.0.1:8100", "http://localhost:8100"]
    assert allowed_origins(None, "https://zhengce.example.gov.cn/") == ["https://zhengce.example.gov.cn"]
    assert allowed_origins(None, "https://zhengce.example.gov.cn:8443/chat/") == ["https://zhengce.example.gov.cn:8443"]


def test_configured_origins_win_and_a_wildcard_is_never_taken() -> None:
    assert allowed_origins(["https://a.example", "https://b.example/x"], "http://127.0.0.1:8100") == \
        ["https://a.example", "https://b.example"]
    assert allowed_origins("https://a.example, https://b.example") == ["https://a.example", "https://b.example"]
    assert allowed_origins("*", "https://zhengce.example.gov.cn") == ["https://zhengce.example.gov.cn"]
    assert origin_of("javascript:alert(1)") is None and origin_of("https://x.example:443/") == "https://x.example"


def test_one_message_carries_text_buttons_and_custom_json() -> None:
    out = web_message({"text": "第一段\n\n第二段", "buttons": [{"title": "一键申报", "payload": "/apply", "type": "x"}],
                       "custom": {"citations": [{"doc_id": "ENT-056"}]}, "template_name": "ignored"})
    assert out == {"text": "第一段\n\n第二段", "buttons": [{"title": "一键申报", "payload": "/apply"}],
                   "custom": {"citations": [{"doc_id": "ENT-056"}]}}
    assert web_message({"custom": {"type": "login"}}) == {"custom": {"type": "login"}}


class FakeServer:
    """What the handlers use of python-socketio's AsyncServer, in memory."""

    def __init__(self) -> None:
        self.handlers: Dict[str, Any] = {}
        self.sessions: Dict[str, Dict[str, Any]] = {}
        self.rooms: Dict[str, str] = {}
        self.emitted: List[tuple] = []

    def on(self, event: str, namespace: Optional[str] = None) -> Any:
        def register(handler: Any) -> Any:
            self.handlers[event] = handler
            return handler
        return register

    async def save_session(self, sid: str, session: Dict[str, Any], namespace: Optional[str] = None) -> None:
        self.sessions[sid] = session

    async def get_session(self, sid: str, namespace: Optional[str] = None) -> Dict[str, Any]:
        return self.sessions.get(sid, {})

    async def enter_room(self, sid: str, room: str, namespace: Optional[str] = None) -> None:
        self.rooms[sid] = room

    async def emit(self, event: str, data: Any = None, room: Optional[str] = None, **_: Any) -> None:
        self.emitted.append((event, data, room))

    def attach(self, *_: Any) -> None:
        pass


@pytest.fixture()
def channel(monkeypatch: pytest.MonkeyPatch) -> Any:
    server = FakeServer()
    monkeypatch.setattr("bot.webchat.AsyncServer", lambda **kwargs: server)
    received: List[Any] = []

    async def on_new_message(message: Any) -> None:
        received.append(message)

    WebChatInput.from_credentials({"session_persistence": True}).blueprint(on_new_message)
    return server, received


def run(coro: Any) -> Any:
    return asyncio.run(coro)


def test_sessions_are_issued_here_and_a_foreign_id_is_replaced(channel: Any) -> None:
    server, _ = channel
    run(server.handlers["session_request"]("sid-1", {"session_id": None}))
    issued = server.emitted[-1][1]
    assert SESSION_ID.match(issued) and server.rooms["sid-1"] == issued
    run(server.handlers["session_request"]("sid-2", {"session_id": issued}))  # the same tab after a reload
    assert server.emitted[-1][1] == issued
    for foreign in ("oWeChatOpenIdOfSomeoneElse", "e2e-1234567890", "web-../../x", "web-" + "A" * 32):
        run(server.handlers["session_request"]("sid-3", {"session_id": foreign}))
        assert server.emitted[-1][1] != foreign and SESSION_ID.match(server.emitted[-1][1])


def test_a_socket_speaks_only_for_the_session_it_asked_for(channel: Any) -> None:
    server, received = channel
    run(server.handlers["session_request"]("sid-1", {}))
    mine = server.emitted[-1][1]
    run(server.handlers["user_uttered"]("sid-1", {"message": "你好", "session_id": "oSomeoneElse",
                                                   "metadata": {"subject": "someone"}}))
    assert [m.sender_id for m in received] == [mine] and received[0].metadata == {}
    assert received[0].input_channel == "socketio"
    assert server.emitted[-1] == (TURN_END_EVT, {}, mine)
    run(server.handlers["user_uttered"]("sid-never-asked", {"message": "你好", "session_id": mine}))
    assert len(received) == 1  # a socket without a session is not heard


def test_the_output_emits_custom_json_as_data() -> None:
    server = FakeServer()
    output = WebChatOutput(server, "bot_uttered")  # type: ignore[arg-type]
    run(output.send_response("web-1", {"text": "已发放", "custom": {"type": "grant", "status": "paid"}}))
    run(output.send_custom_json("web-1", {"type": "handoff", "ticket_id": "TK-1"}))
    assert server.emitted == [("bot_uttered", {"text": "已发放", "custom": {"type": "grant", "status": "paid"}}, "web-1"),
                              ("bot_uttered", {"custom": {"type": "handoff", "ticket_id": "TK-1"}}, "web-1")]
