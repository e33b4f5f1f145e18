"""Rasa's HTTP API as seen from the service: a person's words into a conversation, and its transcript.

Rasa's own handoff pattern: the bot's action pauses the conversation (``ConversationPaused``); while it is
paused Rasa records what the user says and predicts nothing. An operator's message is a ``bot`` event
appended with ``execute_side_effects=true&output_channel=latest``, so Rasa sends it through the channel the
user last wrote from (web chat push, the WeChat customer-service API); handing back appends ``resume``.
Any Rasa server of the deployment will do: the tracker and its lock live in the shared stores."""

from __future__ import annotations

import time
from typing import Any, Dict, List, Optional, Protocol
from urllib.parse import quote

import httpx

from eligibility.errors import AppError


def bot_event(text: str, buttons: Optional[List[Dict[str, str]]] = None,
              metadata: Optional[Dict[str, Any]] = None, custom: Optional[Dict[str, Any]] = None) -> Dict[str, Any]:
    data: Dict[str, Any] = {}
    if buttons:
        data["buttons"] = buttons
    if custom:
        data["custom"] = custom
    return {"event": "bot", "text": text, "data": data, "metadata": metadata or {}, "timestamp": time.time()}


class ConversationBridge(Protocol):
    def append(self, conversation_id: str, events: List[Dict[str, Any]]) -> None:
        """Append events; bot events are sent to the user's latest channel."""

    def events(self, conversation_id: str) -> List[Dict[str, Any]]:
        """The conversation's events (all sessions)."""


def unreachable(detail: str) -> AppError:
    return AppError(503, "delivery_failed", "消息暂时没能送达用户，请稍后重试。", detail)


class RasaBridge:
    def __init__(self, base_url: str, token: Optional[str], timeout_s: float = 5.0):
        self.base_url, self.token = base_url.rstrip("/"), token
        self._client = httpx.Client(timeout=timeout_s)

    def _url(self, conversation_id: str, tail: str) -> str:
        return f"{self.base_url}/conversations/{quote(conversation_id, safe='')}/{tail}"

    def _params(self, **extra: str) -> Dict[str, str]:
        return {**({"token": self.token} if self.token else {}), **extra}

    def append(self, conversation_id: str, events: List[Dict[str, Any]]) -> None:
        try:
            r = self._client.post(self._url(conversation_id, "tracker/events"), json=events,
                                  params=self._params(output_channel="latest", execute_side_effects="true"))
        except httpx.HTTPError as exc:
            raise unreachable(f"rasa unreachable: {type(exc).__name__}") from exc
        if r.status_code >= 300:
            raise unreachable(f"rasa answered {r.status_code} to appending events")

    def events(self, conversation_id: str) -> List[Dict[str, Any]]:
        try:
            r = self._client.get(self._url(conversation_id, "tracker"), params=self._params(include_events="ALL"))
        except httpx.HTTPError as exc:
            raise AppError(503, "rasa_unreachable", "暂时无法读取对话记录，请稍后刷新。",
                           f"rasa unreachable: {type(exc).__name__}") from exc
        if r.status_code >= 300:
            raise AppError(503, "rasa_unreachable", "暂时无法读取对话记录，请稍后刷新。",
                           f"rasa answered {r.status_code} to reading the tracker")
        return list((r.json() or {}).get("events") or [])
