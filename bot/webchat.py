"""The web chat's socket.io channel (web/chat, served by the eligibility service at /chat/).

Rasa 3.6's own ``socketio`` channel does not work with the python-socketio 5.18 installed here (run by hand
against a client: no reply arrived, and a ``custom`` payload raised ``TypeError``) and is too trusting for a
public page, so this subclass changes six things and keeps its events, path and name:

- **Rooms are joined**: with ``session_persistence`` the stock handler calls ``sio.enter_room(...)``
  without ``await``; in python-socketio 5.x that is a coroutine, never run ("coroutine ... was never
  awaited"), so no socket is in the session's room and no reply reaches the page.
- **One message per bot utterance**: text, buttons and the ``custom`` JSON go out together, so the page
  draws one card (an answer with its citation, a match result with its buttons). The stock output splits
  text at blank lines and emits ``custom`` with ``sio.emit(event, **custom)``, which raises ``TypeError``
  for any payload that is not ``{"data": …}`` (ours are ``{"citations": …}``, ``{"type": …}``).
- **Only the chat page's origin** may open a socket: python-engineio checks the ``Origin`` header against
  ``cors_allowed_origins`` (the stock channel passes ``[]``, which turns the check off). Default: the
  origin of ``ELIGIBILITY_PUBLIC_URL``, where the page is served (both loopback spellings for a local
  URL); the credentials key ``cors_allowed_origins`` overrides it. Never ``*``.
- **Session ids are issued here** (``web-`` and 32 random hex digits) and a socket speaks only for the
  session it asked for: the stock handler takes any ``session_id`` a message names, so a script could
  write into another channel's conversation (a WeChat OpenID, a REST sender) and act for whoever is bound
  to it. Metadata sent by the page is not passed on (nothing the browser says is trusted).
- **``bot_turn_end``** is emitted to the session when a turn is done, so the page's typing indicator
  stops exactly then (a turn may send several messages).
- **Caps** (issue 13): a message is cleaned and cut to 2,000 characters (``bot.channels.caps``) before Rasa
  reads it, an empty one is answered with a prompt and no turn, and a socket.io packet over
  ``MAX_PACKET_BYTES`` closes the socket (python-engineio's ``max_http_buffer_size``, 1 MB by default).
"""

from __future__ import annotations

import logging
import os
import re
import secrets
from typing import Any, Awaitable, Callable, Dict, List, Optional
from urllib.parse import urlsplit

from rasa.core.channels.channel import UserMessage, decode_bearer_token
from rasa.core.channels.socketio import SocketBlueprint, SocketIOInput, SocketIOOutput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from socketio import AsyncServer

from bot.channels import metrics
from bot.channels.caps import EMPTY_REPLY, MAX_MESSAGE_CHARS, clean_message

logger = logging.getLogger(__name__)

SESSION_ID = re.compile(r"^web-[0-9a-f]{32}$")
TURN_END_EVT = "bot_turn_end"
MAX_PACKET_BYTES = 256 * 1024  # as the REST channel: 20,000 characters escaped as \\uXXXX are 120 KB (then cut)
LOOPBACK = ("127.0.0.1", "localhost")


def new_session_id() -> str:
    return "web-" + secrets.token_hex(16)


def origin_of(url: str) -> Optional[str]:
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    default = {"http": 80, "https": 443}[parts.scheme]
    port = f":{parts.port}" if parts.port and parts.port != default else ""
    return f"{parts.scheme}://{parts.hostname}{port}"


def allowed_origins(configured: Any = None, public_url: Optional[str] = None) -> List[str]:
    """The origins a browser may open a socket from: the configured list, else the chat page's origin."""
    if configured:
        items = configured if isinstance(configured, list) else re.split(r"[,\s]+", str(configured))
        origins = [o for o in (origin_of(str(i)) for i in items if str(i).strip() and str(i).strip() != "*") if o]
        if origins:
            return origins
    page = origin_of(public_url or os.environ.get("ELIGIBILITY_PUBLIC_URL") or "http://127.0.0.1:8100")
    if page is None:
        return []
    parts = urlsplit(page)
    if parts.hostname in LOOPBACK:  # a local page may be opened as localhost or 127.0.0.1
        port = f":{parts.port}" if parts.port else ""
        return [f"{parts.scheme}://{host}{port}" for host in LOOPBACK]
    return [page]


def web_message(message: Dict[str, Any]) -> Dict[str, Any]:
    """A bot utterance as the page draws it: text, buttons and custom JSON in one message."""
    out: Dict[str, Any] = {}
    if message.get("text"):
        out["text"] = message["text"]
    buttons = message.get("buttons") or message.get("quick_replies") or []
    if buttons:
        out["buttons"] = [{"title": b.get("title"), "payload": b.get("payload")} for b in buttons]
    if message.get("custom") is not None:
        out["custom"] = message["custom"]
    if message.get("image"):
        out["image"] = message["image"]
    if message.get("attachment"):
        out["attachment"] = message["attachment"]
    return out


class WebChatOutput(SocketIOOutput):
    @classmethod
    def name(cls) -> str:
        return "socketio"

    async def send_response(self, recipient_id: str, message: Dict[str, Any]) -> None:
        out = web_message(message)
        if out:
            await self._send_message(recipient_id, out)
            metrics.sent("socketio")

    async def send_custom_json(self, recipient_id: str, json_message: Dict[str, Any], **kwargs: Any) -> None:
        await self._send_message(recipient_id, {"custom": json_message})
        metrics.sent("socketio")


class WebChatInput(SocketIOInput):
    """Rasa's socket.io channel for the web chat (see the module docstring); credentials as ``socketio``
    plus ``cors_allowed_origins``."""

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[str, Any]]) -> WebChatInput:
        credentials = credentials or {}
        channel = cls(credentials.get("user_message_evt", "user_uttered"),
                      credentials.get("bot_message_evt", "bot_uttered"),
                      credentials.get("namespace"),
                      True,
                      credentials.get("socketio_path", "/socket.io"),
                      credentials.get("jwt_key"),
                      credentials.get("jwt_method", "HS256"),
                      credentials.get("metadata_key", "metadata"))
        channel.origins = allowed_origins(credentials.get("cors_allowed_origins"))
        return channel

    origins: List[str] = []

    def get_output_channel(self) -> Optional[SocketIOOutput]:
        if self.sio is None:
            return super().get_output_channel()
        return WebChatOutput(self.sio, self.bot_message_evt)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        origins = self.origins or allowed_origins()
        sio = AsyncServer(async_mode="sanic", cors_allowed_origins=origins, cors_credentials=False,  # no cookies
                          max_http_buffer_size=MAX_PACKET_BYTES)
        webhook = SocketBlueprint(sio, self.socketio_path, "socketio_webhook", __name__)
        self.sio = sio
        namespace = self.namespace
        logger.info("web chat socket accepts the origins %s", ", ".join(origins))

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @sio.on("connect", namespace=namespace)
        async def connect(sid: str, environ: Dict, auth: Optional[Dict]) -> bool:
            if not self.jwt_key:
                return True
            token = (auth or {}).get("token")
            return bool(token and decode_bearer_token(token, self.jwt_key, self.jwt_algorithm))

        @sio.on("session_request", namespace=namespace)
        async def session_request(sid: str, data: Optional[Dict]) -> None:
            asked = (data or {}).get("session_id") if isinstance(data, dict) else None
            session_id = asked if isinstance(asked, str) and SESSION_ID.match(asked) else new_session_id()
            await sio.save_session(sid, {"session_id": session_id}, namespace=namespace)
            await sio.enter_room(sid, session_id, namespace=namespace)
            await sio.emit("session_confirm", session_id, room=sid, namespace=namespace)

        @sio.on(self.user_message_evt, namespace=namespace)
        async def handle_message(sid: str, data: Any) -> None:
            session = await sio.get_session(sid, namespace=namespace)
            session_id = (session or {}).get("session_id")
            text = clean_message(data.get("message") if isinstance(data, dict) else None, MAX_MESSAGE_CHARS)
            if not session_id or text is None:
                logger.warning("web chat: a message without a session or text was ignored")
                return
            output = WebChatOutput(sio, self.bot_message_evt)
            try:
                if not text:  # empty, or nothing but spaces and control characters: no turn
                    await output.send_text_message(session_id, EMPTY_REPLY)
                    return
                async with metrics.turn(self.name(), session_id):  # latency and counts (bot/channels/metrics.py)
                    await on_new_message(UserMessage(text, output, session_id, input_channel=self.name(), metadata={}))
            finally:
                await sio.emit(TURN_END_EVT, {}, room=session_id, namespace=namespace)

        return webhook
