"""The production profile's nginx keeps /metrics (eligibility service) and /webhooks/metrics (Rasa) off its
public port: the monitoring network scrapes each process on its own port. nginx alone, from the profile's
own configuration, with nothing behind it."""

from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from policybot.production import ProductionStack
from tests.ports import free_port


@pytest.fixture(autouse=True)
def nginx_installed() -> None:
    """`make test` installs nginx (requirements/apt.txt): without it this is a failure, never a skip."""
    if not (shutil.which("nginx") or Path("/usr/sbin/nginx").exists()):
        pytest.fail("nginx is not installed: `make system` installs requirements/apt.txt", pytrace=False)


def test_public_port_refuses_metrics(tmp_path: Path) -> None:
    stack = ProductionStack(model=tmp_path / "model.tar.gz", base=tmp_path,
                            ports={"public": free_port(), "eligibility": free_port(), "idp": free_port(),
                                   "actions_lb": free_port(), "postgres": free_port(), "redis": free_port()},
                            rasa_ports=[free_port(), free_port()], action_ports=[free_port(), free_port()])
    nginx = stack._nginx()
    proc = subprocess.Popen(nginx.argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = stack.url()
    try:
        deadline = time.time() + 20
        while True:
            try:
                httpx.get(f"{base}/health", timeout=2)
                break
            except httpx.HTTPError:
                assert proc.poll() is None and time.time() < deadline, (tmp_path / "nginx" / "error.log").read_text()
                time.sleep(0.1)
        for path in ("/metrics", "/metrics?x=1", "/%6Detrics", "//metrics", "/webhooks/metrics/", "/webhooks/metrics",
                     "/webhooks/metrics/health", "/webhooks/./metrics/"):
            assert httpx.get(f"{base}{path}", timeout=5).status_code == 404, path
        # everything else still goes to the services (none runs here: nginx answers 502)
        assert httpx.get(f"{base}/health", timeout=5).status_code == 502
        assert httpx.get(f"{base}/webhooks/rest/", timeout=5).status_code == 502
    finally:
        proc.terminate()
        proc.wait(10)
