"""Rasa's REST channel with the checks of our other channels (issue 13, hostile input).

Same name (``rest``), path (``/webhooks/rest/webhook``), request and answer as
``rasa.core.channels.rest.RestInput``; what it adds, before Rasa reads anything:

- the body must be a JSON object with a ``sender`` (1–128 printable characters) and a string ``message``:
  otherwise 400 with ``{"error": {"code", "message", "detail"}}``. Rasa's own channel files a message
  without a sender under the shared conversation ``default`` and answers a non-JSON body with a 500;
- a body over 256 KB is a 413 (``body_too_large``); the message is cleaned and cut like the web chat's and WeChat's (``bot.channels.caps``: 2,000
  characters; Rasa's NLU took 14 s of the server's event loop for 20,000); an empty one gets a polite
  prompt without a turn;
- ``metadata`` and ``input_channel`` from the caller are not passed on (nothing a caller says about itself
  is trusted; the REST channel's conversations are ``rest``).

Enabled in ``bot/credentials.yml`` (``bot.channels.rest.CappedRestInput``, replacing ``rest:``); the
credentials file is not part of the model's fingerprint, so this needs no retraining.
"""

from __future__ import annotations

import json
import re
from typing import Any, Awaitable, Callable, Dict, Union

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse, ResponseStream

from bot.channels import metrics
from bot.channels.caps import EMPTY_REPLY, clean_message

SENDER = re.compile(r"^[\w.:@+=-]{1,128}$", re.ASCII)
MAX_BODY_BYTES = 256 * 1024  # 20,000 characters escaped as \uXXXX are 120 KB: still answered (from the start)


def _error(status: int, code: str, message: str, detail: str) -> HTTPResponse:
    return response.json({"error": {"code": code, "message": message, "detail": detail}}, status=status)


class CappedRestInput(RestInput):
    @classmethod
    def name(cls) -> str:
        return "rest"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        webhook = Blueprint("custom_webhook_CappedRestInput", __name__)

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> Union[ResponseStream, HTTPResponse]:
            if len(request.body or b"") > MAX_BODY_BYTES:
                return _error(413, "body_too_large", "消息太长了，请缩短后再发。", f"bodies over {MAX_BODY_BYTES} bytes are refused")
            try:
                body: Any = json.loads(request.body or b"")
            except (ValueError, RecursionError):  # RecursionError: [[[[… nested too deep
                return _error(400, "invalid_json", "请求不是有效的 JSON。", "the body must be a JSON object")
            if not isinstance(body, dict):
                return _error(400, "invalid_json", "请求不是有效的 JSON。", "the body must be a JSON object")
            sender = body.get("sender")
            if not isinstance(sender, str) or not SENDER.match(sender):
                return _error(400, "invalid_sender", "缺少有效的会话标识。",
                              "sender: 1-128 letters, digits or ._:@+=- required")
            text = clean_message(body.get("message"))
            if text is None:
                return _error(400, "invalid_message", "消息内容必须是文字。", "message: a string is required")
            if not text:
                return response.json([{"recipient_id": sender, "text": EMPTY_REPLY}])
            if str(request.args.get("stream", "")).lower() == "true":
                return response.stream(self.stream_response(on_new_message, text, sender, self.name(), None),
                                       content_type="text/event-stream")
            collector = CollectingOutputChannel()
            async with metrics.turn(self.name(), sender) as turn:  # latency and counts (bot/channels/metrics.py)
                try:
                    await on_new_message(UserMessage(text, collector, sender, input_channel=self.name(), metadata=None))
                except Exception:  # noqa: BLE001 - Rasa's own channel also answers what was collected
                    import logging

                    logging.getLogger(__name__).exception("rest: the turn failed (message not logged)")
                    turn.status = "error"
                turn.replies = len(collector.messages)
            messages: Any = collector.messages
            return response.json(messages)

        return webhook

    def get_metadata(self, request: Request) -> Dict[str, Any]:
        return {}
