"""The eligibility service's metrics: ``GET /metrics`` in Prometheus' text format.

- ``policybot_http_request_duration_seconds{service="eligibility",method,route,status}``: every request, by
  route template (``policybot.telemetry.HttpMetrics``, which also writes one ``request`` log line each);
- ``policybot_handoffs_opened_total{live}``: 转人工 tickets opened (live while staffed, else a ticket for later);
- ``policybot_handoff_queue_length{status,live}`` and ``policybot_outbox_queue_length{channel,status}``: read
  from the database at scrape time (two grouped counts on indexed columns), so every worker reports the same
  figure and nothing needs updating when a ticket or a message moves.

Like ``/health``, ``/metrics`` needs no credential: it holds counts, route templates and status codes, nothing
of anyone. It is not in the OpenAPI schema. In production it is for the monitoring network only: the profile's
nginx refuses it on the public port (``policybot/production.py``), Prometheus scrapes the service directly.

**Several workers** (``--workers 2``): prometheus-client's multiprocess mode. ``multiprocess_metrics`` (called by
``python -m eligibility`` before uvicorn starts the workers) points ``PROMETHEUS_MULTIPROC_DIR`` at a directory of
this run, ``var/metrics/eligibility-<port>/``, emptied first (files of a previous run would add up with this
one's) and removed at a clean exit; the workers inherit the variable, each writes its samples there, and a
scrape answered by any worker adds them all up (``MultiProcessCollector``)."""

from __future__ import annotations

import logging
import os
import shutil
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Dict, Iterator, Optional

import sqlalchemy as sa
from fastapi import FastAPI
from prometheus_client import REGISTRY, CollectorRegistry, Counter
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.metrics_core import Metric
from prometheus_client.multiprocess import MultiProcessCollector
from starlette.responses import Response

from eligibility.context import Context
from eligibility.storage import tables as t
from policybot.telemetry import CONTENT_TYPE, HttpMetrics, exposition

log = logging.getLogger("eligibility.metrics")

ROOT = Path(__file__).resolve().parents[2]
MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"

HANDOFFS_OPENED = Counter("policybot_handoffs_opened_total",
                          "转人工 tickets opened (asking again while one is open opens none)", ["live"])
for _live in ("true", "false"):  # both series exist from the start, at 0
    HANDOFFS_OPENED.labels(_live)

HANDOFF_STATUS = {"待处理": "waiting", "处理中": "taken"}
OUTBOX_WAITING = ("queued", "sending")
OUTBOX_CHANNELS = ("sms", "chat")


class QueueCollector:
    """The live-handoff queue and the outbox queue, counted in the database when scraped."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def collect(self) -> Iterator[Metric]:
        handoffs = GaugeMetricFamily("policybot_handoff_queue_length",
                                     "Open 转人工 tickets: waiting for an operator or taken; live = the bot is paused",
                                     labels=["status", "live"])
        outbox = GaugeMetricFamily("policybot_outbox_queue_length", "Outbox messages not yet sent",
                                   labels=["channel", "status"])
        try:
            with self.ctx.db.read() as conn:
                tickets = conn.execute(
                    sa.select(t.tickets.c.status, t.tickets.c.live, sa.func.count())
                    .where(t.tickets.c.kind == "handoff", t.tickets.c.status.in_(tuple(HANDOFF_STATUS)))
                    .group_by(t.tickets.c.status, t.tickets.c.live)).all()
                messages = conn.execute(
                    sa.select(t.outbox.c.channel, t.outbox.c.status, sa.func.count())
                    .where(t.outbox.c.status.in_(OUTBOX_WAITING))
                    .group_by(t.outbox.c.channel, t.outbox.c.status)).all()
        except sa.exc.SQLAlchemyError as exc:  # the scrape still answers; the gauges are missing this time
            log.warning("metrics: the queues could not be counted: %s", type(exc).__name__)
            return
        waiting: Dict[Any, float] = {(s, live): 0.0 for s in HANDOFF_STATUS.values() for live in ("true", "false")}
        for status, live, count in tickets:
            key = (HANDOFF_STATUS[status], "true" if live else "false")
            waiting[key] += count
        for (status, live), count in sorted(waiting.items()):
            handoffs.add_metric([status, live], count)
        queued: Dict[Any, float] = {(c, s): 0.0 for c in OUTBOX_CHANNELS for s in OUTBOX_WAITING}
        for channel, status, count in messages:
            key = (channel if channel in OUTBOX_CHANNELS else "other", status)
            queued[key] = queued.get(key, 0.0) + count
        for (channel, status), count in sorted(queued.items()):
            outbox.add_metric([channel, status], count)
        yield handoffs
        yield outbox


def multiprocess() -> bool:
    return bool(os.environ.get(MULTIPROC_ENV))


def install(app: FastAPI, ctx: Context) -> None:
    """``/metrics`` and the request timing of every route (call it after the other middleware: outermost)."""
    app.add_middleware(HttpMetrics, service="eligibility")
    queues = QueueCollector(ctx)

    @app.get("/metrics", include_in_schema=False)
    def metrics() -> Response:
        if multiprocess():  # every worker's samples, added up
            registry = CollectorRegistry()
            MultiProcessCollector(registry)
            body = exposition(registry, queues)
        else:
            body = exposition(REGISTRY, queues)
        return Response(body, media_type=CONTENT_TYPE, headers={"Cache-Control": "no-store"})


def handoff_opened(ticket: Dict[str, Any]) -> None:
    """Counts a 转人工 answer of ``handoffs.open_handoff`` that opened a ticket (not one asked again)."""
    if not ticket.get("again"):
        HANDOFFS_OPENED.labels("true" if ticket.get("live") else "false").inc()


def multiprocess_dir(port: int) -> Path:
    return Path(os.environ.get(MULTIPROC_ENV) or ROOT / "var" / "metrics" / f"eligibility-{port}")


@contextmanager
def multiprocess_metrics(port: int, workers: int) -> Iterator[Optional[Path]]:
    """With more than one worker: a clean ``PROMETHEUS_MULTIPROC_DIR`` for this run, set for the workers."""
    if workers <= 1:
        yield None
        return
    path = multiprocess_dir(port)
    path.mkdir(parents=True, exist_ok=True)
    for stale in path.glob("*.db"):  # a previous run's samples would be added to this one's
        stale.unlink()
    os.environ[MULTIPROC_ENV] = str(path)
    try:
        yield path
    finally:
        os.environ.pop(MULTIPROC_ENV, None)
        if path.is_relative_to(ROOT / "var" / "metrics"):
            shutil.rmtree(path, ignore_errors=True)
