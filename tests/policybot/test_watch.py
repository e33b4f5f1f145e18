"""The supervisor restarts a service that stops unexpectedly, says so, and gives up after MAX_RESTARTS."""

from __future__ import annotations

import sys
import threading
import time

import pytest

from policybot import supervisor
from policybot.supervisor import Service


def test_a_crashing_service_is_restarted_then_given_up(capsys: pytest.CaptureFixture, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(supervisor, "MAX_RESTARTS", 2)
    crashing = Service("crashy", [sys.executable, "-c", "import sys; sys.exit(3)"], "")
    steady = Service("steady", [sys.executable, "-c", "import time; time.sleep(60)"], "")
    for s in (crashing, steady):
        s.start({})
    stopped = []
    code = supervisor.watch(lambda: [crashing, steady], lambda: stopped.append([s.stop() for s in (crashing, steady)]))
    err = capsys.readouterr().err
    assert code == 1 and stopped
    assert err.count("crashy stopped unexpectedly (exit 3); restarting it") == 2
    assert "crashy stopped unexpectedly (exit 3) 2 times; stopping everything" in err
    assert "steady" not in err and steady.process is not None and steady.process.poll() is not None


def test_a_service_killed_once_comes_back(capsys: pytest.CaptureFixture) -> None:
    service = Service("worker", [sys.executable, "-c", "import time; time.sleep(60)"], "")
    service.start({})
    first = service.process
    assert first is not None
    stop_at = time.time() + 30

    def kill_then_stop() -> None:
        first.kill()
        while service.process is first and time.time() < stop_at:
            time.sleep(0.05)
        import os
        import signal
        os.kill(os.getpid(), signal.SIGTERM)  # what Ctrl-C / a service manager does

    threading.Thread(target=kill_then_stop, daemon=True).start()
    assert supervisor.watch(lambda: [service], service.stop) == 0
    assert service.process is not first and service.restarts == 1
    assert "worker stopped unexpectedly (exit -9); restarting it (1 of 5)" in capsys.readouterr().err
