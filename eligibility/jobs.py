"""The daily jobs (免申即享 grants, subscription reminders, retention), all idempotent: run once before
the service opens (`policybot jobs`) and then every ``jobs_interval_hours`` inside the service."""

from __future__ import annotations

import logging
import threading
from typing import Any, Dict, Optional

from eligibility.context import Context

log = logging.getLogger("eligibility.jobs")


def run_all(ctx: Context) -> Dict[str, Any]:
    from eligibility.services import grants, personal_data, subscriptions

    return {"grants": grants.run(ctx), "reminders": subscriptions.send_reminders(ctx),
            "retention": personal_data.purge(ctx)}


class Scheduler:
    """A daemon thread; several workers may each run one (every job is idempotent)."""

    def __init__(self, ctx: Context, hours: float):
        self.ctx, self.seconds = ctx, hours * 3600
        self._stop = threading.Event()
        self._thread: Optional[threading.Thread] = None

    def start(self) -> None:
        if self.seconds <= 0 or self._thread is not None:
            return
        self._thread = threading.Thread(target=self._loop, name="eligibility-jobs", daemon=True)
        self._thread.start()

    def _loop(self) -> None:
        while not self._stop.wait(self.seconds):
            try:
                log.info("daily jobs: %s", run_all(self.ctx))
            except Exception:  # noqa: BLE001 - a failed run is logged and tried again next time
                log.exception("daily jobs failed")

    def stop(self) -> None:
        self._stop.set()
