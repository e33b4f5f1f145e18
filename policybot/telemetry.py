"""Metrics and structured logs, shared by every process (Rasa, the action server, the eligibility service, idp).

**Metrics** are Prometheus' text format (``prometheus-client``). Each process defines its own metrics next
to its code (``bot/channels/metrics.py``, ``actions/metrics.py``, ``eligibility/api/metrics.py``,
``idp/metrics.py``); what they share is here: the latency buckets, ``exposition`` and the ASGI middleware
``HttpMetrics`` that times every request of a FastAPI app by its *route template* (``/tickets/{ticket_id}``,
never the path a caller typed: a path can hold an ID number) and status. No label ever holds what a user
typed or who they are: labels are channel names, action names from the registered list, route templates,
status codes and fixed words.

**Structured logs**: one line per request, turn or action on the logger ``policybot.events``, written to the
process' standard output (the supervisor's ``var/logs/<service>.log``) beside the human-readable log, which
stays as it is. ``POLICYBOT_LOG_FORMAT`` chooses the form: ``json`` (the default: one JSON object a line,
for a log shipper), ``text`` (``key=value``), ``off``. The conversation is named by ``conversation_ref``,
never by its id (see there); messages, names, numbers and tokens are never fields, and the line is masked
(``privacy.masking``) before it is written, with ``privacy.logging.MaskingFilter`` on the logger and its
handler as on every other logger.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import os
import sys
import time
from typing import Any, Dict, Iterable, Iterator, Optional, TextIO

from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, Histogram, generate_latest
from prometheus_client.metrics_core import Metric

from privacy.logging import install as install_log_masking
from privacy.masking import mask_json, mask_text

__all__ = ["CONTENT_TYPE", "EVENTS", "FORMAT_ENV", "HTTP_SECONDS", "LATENCY_BUCKETS", "HttpMetrics", "Union",
           "configure_events", "conversation_ref", "exposition", "log_event", "route_template"]

EVENTS = "policybot.events"
FORMAT_ENV = "POLICYBOT_LOG_FORMAT"
FORMATS = ("json", "text", "off")
CONTENT_TYPE = CONTENT_TYPE_LATEST
# seconds; the turn target is p95 <= 0.5 s, a search about 0.1 s, a call past 20 s is cut by the action server
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)
QUIET_ROUTES = frozenset({"/metrics", "/health"})  # timed, but no log line for every scrape or health check

HTTP_SECONDS = Histogram(
    "policybot_http_request_duration_seconds",
    "HTTP requests by service, method, route template and status (eligibility service, idp)",
    ["service", "method", "route", "status"], buckets=LATENCY_BUCKETS)

_events = logging.getLogger(EVENTS)
_events.setLevel(logging.INFO)
_events.propagate = False  # its own handler: the human-readable log gets no JSON, the JSON stream no prose


# ---- the conversation, named without its id ------------------------------------------------------------

def _short_hash(text: str) -> str:
    # ten hex digits: never a run of 11 or more digits, so no masking rule (phone, ID, bank) ever touches it
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:10]


def conversation_ref(conversation_id: Optional[str]) -> Optional[str]:
    """How logs name a conversation: its channel's prefix and a short SHA-256 of its id.

    Never the id itself: a web chat session id (``web-`` + 128 random bits) is what lets a browser speak for
    that conversation, a WeChat OpenID is a lasting identifier of a person, and a REST sender is whatever
    the caller chose (a phone number, a name). A hash keeps lines of one conversation together, across the
    services too (the action server names the conversation to the eligibility service by its first 80
    characters, so those are hashed everywhere), and can be recomputed from an id a user reports
    (``python -c "from policybot.telemetry import conversation_ref; print(conversation_ref('wx:…'))"``).
    WeChat's refs are ``wx:`` + the channel's own ``user_ref`` of the OpenID (the same in its log lines).
    """
    if not conversation_id:
        return None
    cid = str(conversation_id)[:80]
    if cid.startswith("wx:"):
        return "wx:u" + _short_hash(cid[3:])
    if cid.startswith("web-"):
        return "web-" + _short_hash(cid)
    return "c-" + _short_hash(cid)


# ---- structured logs ----------------------------------------------------------------------------------

class JsonEventFormatter(logging.Formatter):
    """One JSON object a line: ``ts``, ``service``, ``event``, then the event's fields; masked."""

    def __init__(self, service: str) -> None:
        super().__init__()
        self.service = service

    def format(self, record: logging.LogRecord) -> str:
        line = {"ts": dt.datetime.fromtimestamp(record.created, dt.timezone.utc).isoformat(timespec="milliseconds")
                .replace("+00:00", "Z"), "level": record.levelname.lower(), "service": self.service,
                "event": record.getMessage(), **mask_json(getattr(record, "fields", {}) or {})}
        return mask_text(json.dumps(line, ensure_ascii=False, separators=(",", ":"), default=str))


class TextEventFormatter(logging.Formatter):
    """``2026-05-01 09:00:00 turn service=rasa channel=rest … latency_ms=84.2``; masked."""

    def __init__(self, service: str) -> None:
        super().__init__()
        self.service = service

    def format(self, record: logging.LogRecord) -> str:
        fields = mask_json(getattr(record, "fields", {}) or {})
        parts = " ".join(f"{k}={json.dumps(v, ensure_ascii=False) if isinstance(v, str) and ' ' in v else v}"
                         for k, v in fields.items())
        return mask_text(f"{self.formatTime(record)} {record.getMessage()} service={self.service} {parts}".rstrip())


class _EventHandler(logging.StreamHandler):
    """The handler ``configure_events`` installs (so a second call replaces it rather than adding one)."""


def log_format(value: Optional[str] = None) -> str:
    fmt = (value if value is not None else os.environ.get(FORMAT_ENV, "json")).strip().lower() or "json"
    if fmt not in FORMATS:
        raise ValueError(f"{FORMAT_ENV} must be one of {', '.join(FORMATS)}, not {fmt!r}")
    return fmt


def configure_events(service: str, stream: Optional[TextIO] = None, fmt: Optional[str] = None) -> logging.Logger:
    """Write this process' event lines to ``stream`` (standard output) as ``POLICYBOT_LOG_FORMAT`` says.

    Called by each server's entry point, not by the application factories: a test that builds an app gets no
    event output unless it asks for it (events without a handler go nowhere: the logger does not propagate
    and lastResort only prints warnings)."""
    fmt = log_format(fmt)
    for old in [h for h in _events.handlers if isinstance(h, _EventHandler)]:
        _events.removeHandler(old)
    if fmt != "off":
        handler = _EventHandler(stream or sys.stdout)
        handler.setFormatter(JsonEventFormatter(service) if fmt == "json" else TextEventFormatter(service))
        _events.addHandler(handler)
    install_log_masking(EVENTS)  # the MaskingFilter on the logger and on its handler, as everywhere else
    return _events


def log_event(event: str, **fields: Any) -> None:
    """One line: ``event`` (request, turn, action) and its fields; None values are left out."""
    if _events.handlers and _events.isEnabledFor(logging.INFO):
        _events.info(event, extra={"fields": {k: v for k, v in fields.items() if v is not None}})


def ms(seconds: float) -> float:
    return round(seconds * 1000, 1)


# ---- Prometheus exposition ------------------------------------------------------------------------------

class Union:
    """Several collectors (a registry, a collector computed at scrape time) read as one registry."""

    def __init__(self, *parts: Any) -> None:
        self.parts = parts

    def collect(self) -> Iterator[Metric]:
        for part in self.parts:
            yield from part.collect()


def exposition(*parts: Any) -> bytes:
    """The Prometheus text of ``parts`` (collectors or registries; the process' default registry if none)."""
    return generate_latest(Union(*parts) if parts else REGISTRY)  # type: ignore[arg-type]


# ---- FastAPI / Starlette: every request timed by route template -----------------------------------------

def route_template(scope: Dict[str, Any]) -> str:
    """The template of the route that answered (``/tickets/{ticket_id}``, a mount's prefix), or
    ``unmatched``: never the raw path, which is whatever the caller typed."""
    route = scope.get("route")
    path = getattr(route, "path", None)
    if isinstance(path, str):
        return path
    endpoint, router = scope.get("endpoint"), scope.get("router")
    if endpoint is not None and router is not None:
        for candidate in getattr(router, "routes", ()):
            if getattr(candidate, "app", None) is endpoint or getattr(candidate, "endpoint", None) is endpoint:
                found = getattr(candidate, "path", None)
                if isinstance(found, str):
                    return found or "/"
    return "unmatched"


class HttpMetrics:
    """ASGI middleware: each HTTP request observed in ``policybot_http_request_duration_seconds`` and logged
    as one ``request`` event (method, route template, status, latency, the conversation from
    ``X-Conversation-Id`` as a ref). Outermost, so refusals by inner middleware (413) count too."""

    def __init__(self, app: Any, service: str, conversation_header: Optional[str] = "x-conversation-id",
                 quiet: Iterable[str] = QUIET_ROUTES) -> None:
        self.app = app
        self.service = service
        self.header = conversation_header.lower().encode("latin-1") if conversation_header else None
        self.quiet = frozenset(quiet)

    async def __call__(self, scope: Dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = 500  # an exception past every handler: the server answers 500

        async def sending(message: Dict[str, Any]) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            elapsed = time.perf_counter() - start
            route = route_template(scope)
            method = str(scope.get("method", "GET"))
            HTTP_SECONDS.labels(self.service, method, route, str(status)).observe(elapsed)
            if route not in self.quiet:
                log_event("request", method=method, route=route, status=status, latency_ms=ms(elapsed),
                          conversation=conversation_ref(self._conversation(scope)))

    def _conversation(self, scope: Dict[str, Any]) -> Optional[str]:
        if self.header is None:
            return None
        for name, value in scope.get("headers") or ():
            if name == self.header:
                return value.decode("latin-1")
        return None
