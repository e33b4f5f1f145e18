"""GET /metrics of the eligibility service: requests by route template, handoffs opened, the live-handoff and
outbox queues counted at scrape time, one JSON line per request; and with ``--workers 2`` (prometheus-client's
multiprocess mode) every worker's samples add up. Nothing personal in a label or a log line."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Iterator

import httpx
import pytest
from fastapi.testclient import TestClient

from eligibility.api import metrics as service_metrics
from eligibility.app import create_app
from eligibility.services import handoffs
from eligibility.settings import Settings
from policybot.telemetry import conversation_ref
from tests.eligibility.conftest import ROOT, TODAY, auth_settings, service_headers
from tests.eligibility.console_session import CHEN
from tests.eligibility.test_handoffs import STAFFED, RecordingBridge
from tests.ports import free_port
from tests.prometheus import captured_events, json_lines, label_values, personal_data, value

PHONE = "13800138000"
LATENCY = "policybot_http_request_duration_seconds_count"


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> TestClient:
    tmp = tmp_path_factory.mktemp("metrics")
    settings = Settings(database_url=f"sqlite:///{tmp / 'm.db'}", today=TODAY, demo_enterprises=20, demo_citizens=20,
                        local_time=STAFFED, jobs_interval_hours=0, outbox_dispatch_seconds=0, **auth_settings(tmp))
    app = create_app(settings)
    app.state.ctx.bridge = RecordingBridge()  # an operator's greeting goes nowhere (no Rasa here)
    return TestClient(app)


def scrape(client: TestClient) -> str:
    r = client.get("/metrics")
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/plain; version=")
    return r.text


def test_metrics_is_open_like_health_and_not_in_the_schema(client: TestClient) -> None:
    assert client.get("/metrics").status_code == 200  # no credential, as /health
    assert "/metrics" not in client.get("/openapi.json").json()["paths"]
    text = scrape(client)
    for name in ("policybot_http_request_duration_seconds", "policybot_handoffs_opened_total",
                 "policybot_handoff_queue_length", "policybot_outbox_queue_length"):
        assert f"# TYPE {name} " in text, name


def test_requests_are_timed_by_route_template_never_by_path(client: TestClient) -> None:
    before = scrape(client)
    for _ in range(3):
        assert client.get("/policies/ENT-001").status_code == 200
    assert client.get(f"/profiles/{CHEN}").status_code == 401  # no credential: refused, still timed
    assert client.get(f"/nothing-here/{CHEN}/{PHONE}").status_code == 404
    assert client.get("/chat/").status_code == 200  # a mount: its prefix
    after = scrape(client)

    def moved(route: str, status: str) -> float:
        labels = {"service": "eligibility", "method": "GET", "route": route, "status": status}
        return value(after, LATENCY, **labels) - value(before, LATENCY, **labels)

    assert moved("/policies/{policy_id}", "200") == 3
    assert moved("/profiles/{profile_id}", "401") == 1
    assert moved("unmatched", "404") == 1
    assert moved("/chat", "200") == 1
    assert CHEN not in after and PHONE not in after
    assert personal_data(label_values(after)) == [] and personal_data(after.splitlines()) == []


def test_handoffs_opened_and_the_queue_counted_at_scrape_time(client: TestClient) -> None:
    conversation = "metrics-handoff-1"
    before = scrape(client)
    body = {"kind": "handoff", "conversation_id": conversation, "channel": "rest",
            "transcript": [{"role": "user", "text": "转人工"}]}
    first = client.post("/tickets", json=body, headers=service_headers(conversation))
    assert first.status_code == 201 and first.json()["live"] is True, first.text
    again = client.post("/tickets", json=body, headers=service_headers(conversation))  # the same ticket
    assert again.status_code == 201 and again.json()["again"] is True
    waiting = scrape(client)
    assert value(waiting, "policybot_handoffs_opened_total", live="true") - \
        value(before, "policybot_handoffs_opened_total", live="true") == 1
    assert value(waiting, "policybot_handoff_queue_length", status="waiting", live="true") == \
        value(before, "policybot_handoff_queue_length", status="waiting", live="true") + 1

    handoffs.claim(client.app.state.ctx, first.json()["id"], "operator")  # an operator takes it
    taken = scrape(client)
    assert value(taken, "policybot_handoff_queue_length", status="waiting", live="true") == \
        value(waiting, "policybot_handoff_queue_length", status="waiting", live="true") - 1
    assert value(taken, "policybot_handoff_queue_length", status="taken", live="true") == \
        value(waiting, "policybot_handoff_queue_length", status="taken", live="true") + 1


def test_the_outbox_queue_counts_messages_not_yet_sent(client: TestClient) -> None:
    before = value(scrape(client), "policybot_outbox_queue_length", channel="sms", status="queued")
    r = client.post("/auth/otp", json={"subject_id": CHEN}, headers=service_headers("metrics-otp-1"))
    assert r.status_code == 202, r.text  # a code to the data account's mobile: an SMS waits in the outbox
    assert value(scrape(client), "policybot_outbox_queue_length", channel="sms", status="queued") == before + 1


def test_one_json_line_per_request_with_the_conversation_as_a_ref(client: TestClient) -> None:
    wechat = "wx:oTestOpenId0123456789abcdefg"
    with captured_events("eligibility") as out:
        assert client.get("/auth/binding", headers=service_headers(wechat)).status_code == 200
        assert client.get("/auth/binding", headers=service_headers(PHONE)).status_code == 200
        assert client.get(f"/profiles/{CHEN}").status_code == 401
        client.get("/health")  # health checks and scrapes are timed but not logged
        client.get("/metrics")
    lines = json_lines(out.getvalue())
    assert [(line["route"], line["status"]) for line in lines] == [
        ("/auth/binding", 200), ("/auth/binding", 200), ("/profiles/{profile_id}", 401)]
    for line in lines:
        assert line["service"] == "eligibility" and line["event"] == "request" and line["method"] == "GET"
        assert isinstance(line["latency_ms"], float) and line["ts"].endswith("Z")
    assert lines[0]["conversation"] == conversation_ref(wechat) and lines[0]["conversation"].startswith("wx:u")
    assert lines[1]["conversation"] == conversation_ref(PHONE) and "conversation" not in lines[2]
    text = out.getvalue()
    assert wechat[3:] not in text and PHONE not in text and CHEN not in text
    assert personal_data(text.splitlines()) == []


# ---- two workers: every worker's samples add up ------------------------------------------------------------

@pytest.fixture()
def two_workers(tmp_path: Path) -> Iterator[tuple]:
    port = free_port()
    env = {**os.environ, "ELIGIBILITY_DATABASE_URL": f"sqlite:///{tmp_path / 'w.db'}",
           "ELIGIBILITY_DEMO_ENTERPRISES": "20", "ELIGIBILITY_DEMO_CITIZENS": "20",
           "ELIGIBILITY_SECRETS_DIR": str(tmp_path / "secrets"), "ELIGIBILITY_JOBS_INTERVAL_HOURS": "0",
           "ELIGIBILITY_OUTBOX_DISPATCH_SECONDS": "0", "ELIGIBILITY_STAFF_DEV_PASSWORD": "",
           "POLICYBOT_LOG_FORMAT": "json"}
    env.pop(service_metrics.MULTIPROC_ENV, None)
    stale = service_metrics.multiprocess_dir(port)
    stale.mkdir(parents=True, exist_ok=True)
    (stale / "counter_1.db").write_bytes(b"left by a run that died")  # must not be read: cleaned at start
    log = open(tmp_path / "eligibility.log", "w")  # noqa: SIM115 - the server's output, closed below
    proc = subprocess.Popen([sys.executable, "-m", "eligibility", "--host", "127.0.0.1", "--port", str(port),
                             "--workers", "2"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 120
        while True:
            assert proc.poll() is None, (tmp_path / "eligibility.log").read_text()[-2000:]
            try:
                if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.time() < deadline, "the service did not start"
            time.sleep(0.3)
        yield url, proc, stale, tmp_path / "eligibility.log"
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        log.close()


def worker_counts(folder: Path, route: str) -> dict:
    """Per worker process (its own file), the requests it timed on ``route``."""
    from prometheus_client.multiprocess import MultiProcessCollector

    counts = {}
    for path in folder.glob("histogram_*.db"):
        total = 0.0
        for metric in MultiProcessCollector.merge([str(path)], accumulate=True):
            for s in metric.samples:
                if s.name == LATENCY and s.labels.get("route") == route:
                    total += s.value
        counts[path.name] = total
    return counts


def test_two_workers_add_up(two_workers: tuple) -> None:
    url, proc, folder, log = two_workers
    assert folder.is_dir() and not (folder / "counter_1.db").exists()
    sent = 0
    deadline = time.time() + 60
    while sent < 40 or sum(1 for c in worker_counts(folder, "/policies/{policy_id}").values() if c) < 2:
        with httpx.Client() as fresh:  # a new connection each time: either worker may accept it
            assert fresh.get(f"{url}/policies/ENT-001").status_code == 200
        sent += 1
        assert time.time() < deadline, worker_counts(folder, "/policies/{policy_id}")
    per_worker = worker_counts(folder, "/policies/{policy_id}")
    assert len([c for c in per_worker.values() if c]) >= 2 and sum(per_worker.values()) == sent
    for _ in range(4):  # whichever worker answers the scrape, it reports both workers' requests
        text = httpx.get(f"{url}/metrics", timeout=10).text
        assert value(text, LATENCY, service="eligibility", route="/policies/{policy_id}", status="200") == sent
        assert value(text, "policybot_handoff_queue_length") == 0
    lines = [line for line in json_lines(log.read_text()) if line.get("route") == "/policies/{policy_id}"]
    assert len(lines) == sent  # one JSON line per request, from both workers
    proc.send_signal(signal.SIGTERM)
    proc.wait(30)
    assert not folder.exists()  # this run's samples removed at a clean exit
