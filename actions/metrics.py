"""The action server's metrics (``GET /metrics``) and its one log line per action call.

- ``policybot_action_duration_seconds{action}``: from the call's arrival to its answer (the wait for a pool
  thread included: what Rasa waits), for every call that reached an action;
- ``policybot_action_failures_total{action,reason}``: ``timeout`` (answered with the apology after
  ``POLICYBOT_ACTION_TIMEOUT_S``), ``error`` (the action raised), ``rejected`` (``ActionExecutionRejection``);
- ``policybot_retrieval_duration_seconds{scope}`` and ``policybot_retrieval_results_total{scope,result}``: the
  knowledge search (``actions.clients.knowledge.ask``), ``scope`` ``all`` or ``bundle``; ``result`` ``faq``
  (a curated answer), ``passage`` or ``none``;
- ``policybot_fallbacks_total{kind}``: ``action_fallback``'s answers: ``clarify`` (the likeliest meanings as
  buttons), ``offer_handoff`` (the second in a row), ``redirected`` (a code or an account read as something
  else, handed to its action), ``silent`` (the turn was already answered);
- ``policybot_action_handoffs_total{result}``: ``action_handoff``: ``live`` (the bot paused, in the queue),
  ``ticket`` (outside staffed hours), ``failed`` (the eligibility service could not open one);
- ``policybot_actions_running`` and ``policybot_action_queue_length``: calls in a pool thread now, and calls
  waiting for one (read when scraped).

Action names come from the registered actions only (anything else a caller names is ``unknown``), so no label
carries what a request said."""

from __future__ import annotations

import time
from contextlib import contextmanager
from typing import Any, Dict, Iterator, Optional

from prometheus_client import Counter, Histogram
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.metrics_core import Metric

from policybot.telemetry import LATENCY_BUCKETS, conversation_ref, log_event, ms

ACTION_SECONDS = Histogram("policybot_action_duration_seconds", "Action calls, arrival to answer", ["action"],
                           buckets=LATENCY_BUCKETS)
ACTION_FAILURES = Counter("policybot_action_failures_total", "Action calls answered with an apology or refused",
                          ["action", "reason"])
RETRIEVAL_SECONDS = Histogram("policybot_retrieval_duration_seconds", "Knowledge searches", ["scope"],
                              buckets=LATENCY_BUCKETS)
RETRIEVAL_RESULTS = Counter("policybot_retrieval_results_total", "Knowledge searches by what they found",
                            ["scope", "result"])
FALLBACKS = Counter("policybot_fallbacks_total", "action_fallback's answers by kind", ["kind"])
HANDOFFS = Counter("policybot_action_handoffs_total", "action_handoff's outcomes", ["result"])

FALLBACK_KINDS = ("clarify", "offer_handoff", "redirected", "silent")
HANDOFF_RESULTS = ("live", "ticket", "failed")
for _kind in FALLBACK_KINDS:  # every series exists from the start, at 0
    FALLBACKS.labels(_kind)
for _result in HANDOFF_RESULTS:
    HANDOFFS.labels(_result)

Result = Dict[str, Any]


def action_label(name: Any, known: Any) -> str:
    return name if isinstance(name, str) and name in known else "unknown"


def _events(result: Optional[Result]) -> list:
    events = (result or {}).get("events") or []
    return [e for e in events if isinstance(e, dict)] if isinstance(events, list) else []


def fallback_kind(result: Optional[Result]) -> str:
    events = _events(result)
    if any(e.get("event") == "followup" for e in events):
        return "redirected"
    if not (result or {}).get("responses"):
        return "silent"
    offered = any(e.get("event") == "slot" and e.get("name") == "awaiting" and e.get("value") == "handoff_offer"
                  for e in events)
    return "offer_handoff" if offered else "clarify"


def handoff_result(result: Optional[Result]) -> str:
    events = _events(result)
    if any(e.get("event") == "pause" for e in events):
        return "live"
    if any(e.get("event") == "slot" and e.get("name") == "last_ticket" and e.get("value") for e in events):
        return "ticket"
    return "failed"


def observe_action(action: str, sender_id: Any, status: str, seconds: float, result: Optional[Result] = None) -> None:
    """One action call: its latency, its failure if any, what a fallback or a handoff did; one log line.

    ``status``: ok, timeout, error, rejected (the action refused), not_found (no such action)."""
    if status != "not_found":
        ACTION_SECONDS.labels(action).observe(seconds)
    if status in ("timeout", "error", "rejected"):
        ACTION_FAILURES.labels(action, status).inc()
    detail = None
    if status == "ok" and action == "action_fallback":
        detail = fallback_kind(result)
        FALLBACKS.labels(detail).inc()
    elif status == "ok" and action == "action_handoff":
        detail = handoff_result(result)
        HANDOFFS.labels(detail).inc()
    log_event("action", action=action, status=status, latency_ms=ms(seconds), detail=detail,
              conversation=conversation_ref(sender_id if isinstance(sender_id, str) else None))


@contextmanager
def retrieval(filters: Optional[Dict[str, Any]]) -> Iterator[Dict[str, Any]]:
    """Times one knowledge search; the caller puts the answer in the yielded dict as ``answer``."""
    scope = "bundle" if (filters or {}).get("kind") == "bundle" else "all"
    found: Dict[str, Any] = {}
    start = time.perf_counter()
    try:
        yield found
    finally:
        RETRIEVAL_SECONDS.labels(scope).observe(time.perf_counter() - start)
        answer = found.get("answer")
        if answer is not None:
            result = "faq" if getattr(answer, "faq", None) else "passage" if getattr(answer, "hits", None) else "none"
            RETRIEVAL_RESULTS.labels(scope, result).inc()


class RunnerCollector:
    """The action runner's threads, read when scraped."""

    def __init__(self, runner: Any) -> None:
        self.runner = runner

    def collect(self) -> Iterator[Metric]:
        running = GaugeMetricFamily("policybot_actions_running", "Action calls running in a pool thread")
        running.add_metric([], float(self.runner.running))
        yield running
        waiting = GaugeMetricFamily("policybot_action_queue_length", "Action calls waiting for a pool thread")
        queue = getattr(self.runner.pool, "_work_queue", None)
        waiting.add_metric([], float(queue.qsize() if queue is not None else 0))
        yield waiting
