"""Rasa's metrics, measured in our channels, and the channel that serves them: ``/webhooks/metrics/``.

Rasa 3.6 has no metrics of its own; what a user waits for is a turn in a channel, so the channels time it
(``turn``: from the message handed to Rasa to the turn's last reply, the conversation's lock included):

- ``policybot_turn_duration_seconds{channel,status}``: ``channel`` rest, socketio (the web chat) or wechat;
  ``status`` ok or error (the turn raised; the channel answered with what it had or an apology);
- ``policybot_channel_messages_total{channel,direction}``: ``in``, user messages given to the bot (an empty one,
  answered with a prompt and no turn, is not); ``out``, bot messages sent (operators' replies and reminders
  pushed into a web chat or WeChat conversation included);
- ``policybot_turns_in_progress{channel}``: turns running now (Rasa's concurrency; a rising figure under load
  means turns queue on the event loop or on conversation locks).

Each turn is also one ``turn`` log line (``policybot.telemetry``: channel, conversation ref, status, latency,
replies where the channel collects them).

``MetricsInput`` (``bot.channels.metrics.MetricsInput:`` in ``bot/credentials.yml``; the credentials file is not
part of the model's fingerprint) serves ``GET /webhooks/metrics/`` (Prometheus' text format: these and the
process' own) and ``GET /webhooks/metrics/health``; Rasa's ``/`` is its health too. Neither needs a credential
(counts and channel names only); in production they are for the monitoring network: the profile's nginx
refuses ``/webhooks/metrics/`` on the public port, and each Rasa replica is scraped on its own port."""

from __future__ import annotations

import time
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, AsyncIterator, Awaitable, Callable, Dict, Optional

from prometheus_client import REGISTRY, Counter, Gauge, Histogram
from rasa.core.channels.channel import InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from policybot.telemetry import (
    CONTENT_TYPE,
    LATENCY_BUCKETS,
    configure_events,
    conversation_ref,
    exposition,
    log_event,
    ms,
)

CHANNELS = ("rest", "socketio", "wechat")

TURN_SECONDS = Histogram("policybot_turn_duration_seconds", "Turns, message in to the turn's last reply",
                         ["channel", "status"], buckets=LATENCY_BUCKETS)
MESSAGES = Counter("policybot_channel_messages_total", "Messages through the channels: in (user), out (bot)",
                   ["channel", "direction"])
IN_PROGRESS = Gauge("policybot_turns_in_progress", "Turns running now", ["channel"])
for _channel in CHANNELS:  # every series exists from the start, at 0
    MESSAGES.labels(_channel, "in")
    MESSAGES.labels(_channel, "out")
    IN_PROGRESS.labels(_channel)
_running: Dict[str, int] = dict.fromkeys(CHANNELS, 0)  # the gauge's figures, for /health


@dataclass
class Turn:
    """What a channel tells about the turn it is timing."""

    status: str = "ok"
    replies: Optional[int] = None  # bot messages of the turn, where the channel collects them (counted as out)


@asynccontextmanager
async def turn(channel: str, conversation_id: str) -> AsyncIterator[Turn]:
    """Times one turn in ``channel``: the block gives the message to Rasa; an exception out of it is an
    error turn (and goes on up)."""
    record = Turn()
    MESSAGES.labels(channel, "in").inc()
    running = IN_PROGRESS.labels(channel)
    running.inc()
    _running[channel] = _running.get(channel, 0) + 1
    start = time.perf_counter()
    try:
        yield record
    except BaseException:
        record.status = "error"
        raise
    finally:
        elapsed = time.perf_counter() - start
        running.dec()
        _running[channel] -= 1
        TURN_SECONDS.labels(channel, record.status).observe(elapsed)
        if record.replies:
            MESSAGES.labels(channel, "out").inc(record.replies)
        log_event("turn", channel=channel, status=record.status, latency_ms=ms(elapsed), replies=record.replies,
                  conversation=conversation_ref(conversation_id))


def sent(channel: str, count: int = 1) -> None:
    """Bot messages a channel sent outside ``Turn.replies`` (the web chat emits as it goes; pushed messages)."""
    if count > 0:
        MESSAGES.labels(channel, "out").inc(count)


def turns_in_progress() -> Dict[str, int]:
    return dict(_running)


class MetricsInput(InputChannel):
    """Not a messaging channel: ``/webhooks/metrics/`` (Prometheus) and ``/webhooks/metrics/health``."""

    @classmethod
    def name(cls) -> str:
        return "metrics"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[str, Any]]) -> InputChannel:
        return cls()

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        configure_events("rasa")  # the turn lines of this Rasa process (POLICYBOT_LOG_FORMAT)
        bp = Blueprint("metrics_webhook", __name__)

        @bp.route("/", methods=["GET"])
        async def metrics(_: Request) -> HTTPResponse:
            return response.raw(exposition(REGISTRY), content_type=CONTENT_TYPE, headers={"Cache-Control": "no-store"})

        @bp.route("/health", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok", "turns_in_progress": turns_in_progress()})

        return bp
