"""The provider's metrics: ``GET /metrics`` (Prometheus' text format) beside ``GET /health``.

``policybot_http_request_duration_seconds{service="idp",method,route,status}`` times every request by route
(``policybot.telemetry.HttpMetrics``, one ``request`` log line each: method, route, status, latency; no
query string, no account, no conversation). Unauthenticated like ``/health``: it holds counts, routes and
status codes only."""

from __future__ import annotations

from fastapi import FastAPI
from prometheus_client import REGISTRY
from starlette.responses import Response

from policybot.telemetry import CONTENT_TYPE, HttpMetrics, exposition


def install(app: FastAPI) -> None:
    app.add_middleware(HttpMetrics, service="idp", conversation_header=None)

    @app.get("/metrics", include_in_schema=False)
    def metrics() -> Response:
        return Response(exposition(REGISTRY), media_type=CONTENT_TYPE, headers={"Cache-Control": "no-store"})
