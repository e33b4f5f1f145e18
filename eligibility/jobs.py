"""The scheduled jobs, all idempotent.

- Daily (``jobs_interval_hours``): the 免申即享 batch, the subscription reminders and the 免申即享 notices
  (queued in the outbox: SMS to verified subscribers, a chat message to the conversations), retention.
  Run once before the service opens (`policybot jobs`), then inside the service.
- Every ``outbox_dispatch_seconds``: a dispatch pass sending the queued chat messages through Rasa, and the
  live handoffs nobody took in time handed back to the bot (``handoffs.release_unanswered``).

`policybot reminders run` does the reminder part and one dispatch pass at once (``remind_and_dispatch``)."""

from __future__ import annotations

import logging
import threading
import time
from typing import Any, Callable, Dict, List, Optional, Tuple

from eligibility.context import Context

log = logging.getLogger("eligibility.jobs")


def run_reminders(ctx: Context) -> Dict[str, Any]:
    """New 免申即享 grants (with their notices), then every reminder and notice still to queue."""
    from eligibility.services import grants, subscriptions

    return {"grants": grants.run(ctx), "reminders": subscriptions.send_reminders(ctx),
            "grant_notices": grants.queue_chat_notices(ctx)}


def dispatch(ctx: Context) -> Dict[str, int]:
    """One pass over the chat messages that are due (reminders, notices) through ``ctx.bridge``."""
    from eligibility.services import outbox

    return outbox.dispatch_chat(ctx)


def unanswered_handoffs(ctx: Context) -> Dict[str, int]:
    from eligibility.services import handoffs

    return handoffs.release_unanswered(ctx)


def remind_and_dispatch(ctx: Context) -> Dict[str, Any]:
    return {**run_reminders(ctx), "dispatch": dispatch(ctx)}


def run_all(ctx: Context) -> Dict[str, Any]:
    """The daily jobs. No dispatch here: at start-up Rasa is not running yet (the service's scheduler sends)."""
    from eligibility.services import personal_data

    return {**run_reminders(ctx), "retention": personal_data.purge(ctx)}


class Scheduler:
    """A daemon thread running the daily jobs every ``hours`` and a dispatch pass every ``dispatch_seconds``
    (from the settings unless given; 0 turns either off). Several workers may each run one: every job is
    idempotent and a chat message is claimed by one dispatcher before it is sent."""

    def __init__(self, ctx: Context, hours: float, dispatch_seconds: Optional[float] = None):
        self.ctx = ctx
        every = ctx.settings.outbox_dispatch_seconds if dispatch_seconds is None else dispatch_seconds
        self.tasks: List[Tuple[str, float, Callable[[Context], Any]]] = [
            (name, seconds, job) for name, seconds, job in (("daily jobs", hours * 3600, run_all),
                                                           ("outbox dispatch", every, dispatch),
                                                           ("unanswered handoffs", every, unanswered_handoffs))
            if seconds > 0]
        self._stop = threading.Event()
        self._thread: Optional[threading.Thread] = None

    def start(self) -> None:
        if not self.tasks or self._thread is not None:
            return
        self._thread = threading.Thread(target=self._loop, name="eligibility-jobs", daemon=True)
        self._thread.start()

    def _loop(self) -> None:
        due = {name: time.monotonic() + seconds for name, seconds, _ in self.tasks}
        while not self._stop.wait(max(0.0, min(due.values()) - time.monotonic())):
            for name, seconds, job in self.tasks:
                if time.monotonic() < due[name]:
                    continue
                try:
                    done = job(self.ctx)
                    if name == "daily jobs" or any(done.values()):
                        log.info("%s: %s", name, done)
                except Exception:  # noqa: BLE001 - a failed run is logged and tried again next time
                    log.exception("%s failed", name)
                due[name] = time.monotonic() + seconds

    def stop(self) -> None:
        self._stop.set()
