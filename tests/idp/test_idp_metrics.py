"""The identity provider's /metrics beside /health: every request timed by route, one JSON line each, and
nothing a caller typed (a query string, an account) in a label or a line."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Iterator

import pytest
from fastapi.testclient import TestClient

from idp.app import create_app
from idp.settings import Settings
from privacy.logging import MaskingFilter
from tests.prometheus import captured_events, json_lines, label_values, personal_data, value

ID_NUMBER = "440309194803150023"
LATENCY = "policybot_http_request_duration_seconds_count"


@pytest.fixture(autouse=True)
def _test_client_log_masked() -> Iterator[None]:
    """The test client (httpx) logs each URL, and these put an ID number in paths and queries on purpose;
    only that client-side line is masked (what the provider logs is checked unmasked by tests/conftest.py)."""
    logger, mask = logging.getLogger("httpx"), MaskingFilter()
    logger.addFilter(mask)
    try:
        yield
    finally:
        logger.removeFilter(mask)


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> TestClient:
    key: Path = tmp_path_factory.mktemp("idp-metrics") / "key.pem"
    return TestClient(create_app(Settings(key_path=key)))


def test_metrics_and_health_answer_and_move(client: TestClient) -> None:
    assert client.get("/health").json() == {"status": "ok"}
    before = client.get("/metrics")
    assert before.status_code == 200 and before.headers["content-type"].startswith("text/plain; version=")
    assert "/metrics" not in client.app.openapi()["paths"]
    for _ in range(2):
        assert client.get("/.well-known/openid-configuration").status_code == 200
    assert client.get("/authorize", params={"login_hint": ID_NUMBER}).status_code == 400
    assert client.get(f"/no/such/{ID_NUMBER}").status_code == 404
    after = client.get("/metrics").text

    def moved(route: str, status: str) -> float:
        labels = {"service": "idp", "method": "GET", "route": route, "status": status}
        return value(after, LATENCY, **labels) - value(before.text, LATENCY, **labels)

    assert moved("/.well-known/openid-configuration", "200") == 2
    assert moved("/authorize", "400") == 1 and moved("unmatched", "404") == 1
    assert ID_NUMBER not in after and personal_data(label_values(after)) == []


def test_one_json_line_per_request(client: TestClient) -> None:
    with captured_events("idp") as out:
        client.get("/jwks.json")
        client.get("/authorize", params={"login_hint": ID_NUMBER, "client_id": "zhengcetong"})
        client.get("/health")
    lines = json_lines(out.getvalue())
    assert [(line["service"], line["route"], line["status"]) for line in lines] == [
        ("idp", "/jwks.json", 200), ("idp", "/authorize", 400)]
    assert all("conversation" not in line for line in lines)
    assert ID_NUMBER not in out.getvalue() and personal_data(out.getvalue().splitlines()) == []
