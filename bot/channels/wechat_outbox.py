"""Messages for the customer-service API, kept in a small SQLite file until WeChat takes them.

An answer that missed the passive reply (the bot took longer than the deadline, or it was longer than one
message) is queued here, one row per WeChat message, and delivered in order per user by
:class:`Deliverer`, a task on the Rasa server's loop. Nothing is dropped silently:
- delivered: the row is deleted (no transcript is kept here);
- 45015 (the user has not written for 48 hours) or 45047 (the 5-message allowance is used): the row waits
  for the user's next message (which reopens the window) and is also retried on a timer;
- WeChat unreachable, HTTP errors, -1 (busy), a token refused twice: retried with a doubling delay;
- any other error code: kept as ``failed`` and retried hourly; every deferral is logged (masked, the user
  named by a hash of the OpenID, never the text).
Rows survive a restart (the deliverer resumes them). Unsubscribing deletes the user's rows.
The same file holds the erasures still owed after an unsubscribe (when the eligibility service was down)."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import logging
import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Awaitable, Callable, Dict, List, Optional

from bot.channels.wechat_api import OUT_OF_WINDOW, TOO_MANY, ApiError
from privacy.masking import mask_text

log = logging.getLogger(__name__)

SCHEMA = """
CREATE TABLE IF NOT EXISTS outbox (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  openid TEXT NOT NULL,
  body TEXT NOT NULL,
  status TEXT NOT NULL DEFAULT 'queued',   -- queued | waiting (45015/45047: for the user) | failed
  attempts INTEGER NOT NULL DEFAULT 0,
  next_at REAL NOT NULL,
  last_error TEXT,
  created_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS outbox_user ON outbox (openid, id);
CREATE TABLE IF NOT EXISTS erasures (
  conversation_id TEXT PRIMARY KEY,
  attempts INTEGER NOT NULL DEFAULT 0,
  next_at REAL NOT NULL,
  last_error TEXT,
  created_at REAL NOT NULL
);
"""


def user_ref(openid: str) -> str:
    """How logs name a WeChat user: a short hash, never the OpenID."""
    return "u" + hashlib.sha256(openid.encode()).hexdigest()[:10]


@dataclass
class Row:
    id: int
    openid: str
    body: Dict[str, Any]
    status: str
    attempts: int
    next_at: float


class Outbox:
    def __init__(self, path: Path, clock: Callable[[], float] = time.time):
        self.path, self.clock = Path(path), clock
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(str(self.path), check_same_thread=False, isolation_level=None, timeout=10)
        self._lock = threading.Lock()
        with self._lock:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.executescript(SCHEMA)
        with contextlib.suppress(OSError):
            self.path.chmod(0o600)  # the queued text is the user's conversation

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def _rows(self, sql: str, args: tuple = ()) -> List[Row]:
        with self._lock:
            found = self._db.execute(sql, args).fetchall()
        return [Row(r[0], r[1], json.loads(r[2]), r[3], r[4], r[5]) for r in found]

    def add(self, openid: str, messages: List[Dict[str, Any]]) -> List[int]:
        now = self.clock()
        ids = []
        with self._lock:
            self._db.execute("BEGIN")
            for message in messages:
                cur = self._db.execute("INSERT INTO outbox (openid, body, next_at, created_at) VALUES (?, ?, ?, ?)",
                                       (openid, json.dumps(message, ensure_ascii=False), now, now))
                ids.append(int(cur.lastrowid or 0))
            self._db.execute("COMMIT")
        return ids

    def heads(self) -> List[Row]:
        """Each user's oldest row, if it is due: a user's later messages wait for the earlier ones."""
        return self._rows(
            "SELECT o.id, o.openid, o.body, o.status, o.attempts, o.next_at FROM outbox o "
            "JOIN (SELECT openid, MIN(id) AS id FROM outbox GROUP BY openid) h ON o.id = h.id "
            "WHERE o.next_at <= ? ORDER BY o.id", (self.clock(),))

    def pending(self, openid: Optional[str] = None) -> List[Row]:
        if openid is None:
            return self._rows("SELECT id, openid, body, status, attempts, next_at FROM outbox ORDER BY id")
        return self._rows("SELECT id, openid, body, status, attempts, next_at FROM outbox WHERE openid = ? ORDER BY id",
                          (openid,))

    def next_due(self) -> Optional[float]:
        with self._lock:
            row = self._db.execute("SELECT MIN(next_at) FROM outbox").fetchone()
            erasure = self._db.execute("SELECT MIN(next_at) FROM erasures").fetchone()
        times = [t for t in (row[0], erasure[0]) if t is not None]
        return min(times) if times else None

    def delivered(self, row_id: int) -> None:
        with self._lock:
            self._db.execute("DELETE FROM outbox WHERE id = ?", (row_id,))

    def defer(self, row_id: int, status: str, delay_s: float, error: str) -> None:
        with self._lock:
            self._db.execute("UPDATE outbox SET status = ?, attempts = attempts + 1, next_at = ?, last_error = ? "
                             "WHERE id = ?", (status, self.clock() + delay_s, error[:300], row_id))

    def wake(self, openid: str) -> int:
        """The user wrote: what waited for them (45015/45047) is due now."""
        with self._lock:
            cur = self._db.execute("UPDATE outbox SET next_at = ?, status = 'queued' WHERE openid = ? AND status = 'waiting'",
                                   (self.clock(), openid))
        return int(cur.rowcount or 0)

    def drop(self, openid: str) -> int:
        """Unsubscribed: nothing more may be sent to them, and their text is not kept."""
        with self._lock:
            cur = self._db.execute("DELETE FROM outbox WHERE openid = ?", (openid,))
        return int(cur.rowcount or 0)

    # ---- erasures owed after an unsubscribe ------------------------------------------------------

    def owe_erasure(self, conversation_id: str) -> None:
        now = self.clock()
        with self._lock:
            self._db.execute("INSERT OR IGNORE INTO erasures (conversation_id, next_at, created_at) VALUES (?, ?, ?)",
                             (conversation_id, now, now))

    def erasures_due(self) -> List[str]:
        with self._lock:
            return [r[0] for r in self._db.execute(
                "SELECT conversation_id FROM erasures WHERE next_at <= ? ORDER BY created_at", (self.clock(),))]

    def erasures(self) -> List[str]:
        with self._lock:
            return [r[0] for r in self._db.execute("SELECT conversation_id FROM erasures ORDER BY created_at")]

    def erased(self, conversation_id: str) -> None:
        with self._lock:
            self._db.execute("DELETE FROM erasures WHERE conversation_id = ?", (conversation_id,))

    def erasure_failed(self, conversation_id: str, delay_s: float, error: str) -> None:
        with self._lock:
            self._db.execute("UPDATE erasures SET attempts = attempts + 1, next_at = ?, last_error = ? "
                             "WHERE conversation_id = ?", (self.clock() + delay_s, error[:300], conversation_id))


Sender = Callable[[Dict[str, Any]], Awaitable[None]]
Eraser = Callable[[str], Awaitable[Any]]


class Deliverer:
    """Sends what the outbox holds, in order per user, on the running loop; :meth:`kick` wakes it."""

    def __init__(self, outbox: Outbox, send: Sender, erase: Optional[Eraser] = None,
                 retry_base_s: float = 30.0, retry_max_s: float = 3600.0, idle_s: float = 30.0):
        self.outbox, self.send, self.erase = outbox, send, erase
        self.retry_base_s, self.retry_max_s, self.idle_s = retry_base_s, retry_max_s, idle_s
        self._task: Optional[asyncio.Task[None]] = None
        self._wake: Optional[asyncio.Event] = None
        self.sent = 0
        self.deferred = 0

    def start(self) -> None:
        """Run on the current loop (idempotent); resumes what a previous run left queued."""
        loop = asyncio.get_running_loop()
        if self._task is not None and not self._task.done() and self._task.get_loop() is loop:
            return
        self._wake = asyncio.Event()
        self._task = loop.create_task(self._run())

    def kick(self) -> None:
        if self._wake is not None:
            self._wake.set()

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
            self._task = None

    def _delay(self, attempts: int) -> float:
        return min(self.retry_max_s, self.retry_base_s * (2 ** max(0, attempts)))

    async def _run(self) -> None:
        assert self._wake is not None
        while True:
            self._wake.clear()
            try:
                await self.deliver_due()
            except Exception as exc:  # the loop must survive anything (a locked file, a bug)
                log.error("wechat outbox: delivery round failed: %s", mask_text(f"{type(exc).__name__}: {exc}"))
            due = self.outbox.next_due()
            wait = self.idle_s if due is None else min(self.idle_s, max(0.02, due - self.outbox.clock()))
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._wake.wait(), wait)

    async def deliver_due(self) -> int:
        """Send every row that is due (each user's in order) and run the erasures owed; returns rows sent."""
        sent = 0
        for _ in range(1000):  # a round ends when no user has a due head left
            heads = self.outbox.heads()
            if not heads:
                break
            progress = False
            for row in heads:
                if await self._deliver(row):
                    sent += 1
                    progress = True
            if not progress:
                break
        if self.erase is not None:
            for conversation_id in self.outbox.erasures_due():
                try:
                    await self.erase(conversation_id)
                except Exception as exc:
                    self.outbox.erasure_failed(conversation_id, self._delay(1), f"{type(exc).__name__}: {exc}")
                    log.warning("wechat unsubscribe: erasure still owed for %s, retried later (%s)",
                                user_ref(conversation_id), type(exc).__name__)
                else:
                    self.outbox.erased(conversation_id)
                    log.info("wechat unsubscribe: owed erasure done for %s", user_ref(conversation_id))
        return sent

    async def _deliver(self, row: Row) -> bool:
        try:
            await self.send(row.body)
        except ApiError as exc:
            self.deferred += 1
            if exc.errcode in (OUT_OF_WINDOW, TOO_MANY):
                status, delay = "waiting", self._delay(row.attempts)
                why = "outside the 48-hour window" if exc.errcode == OUT_OF_WINDOW else "message allowance used"
                log.warning("wechat outbox: message %d to %s kept (errcode %s, %s): sent when the user writes "
                            "again, retried in %.0f s", row.id, user_ref(row.openid), exc.errcode, why, delay)
            elif exc.transient or exc.errcode in (40001, 40014, 42001):
                status, delay = "queued", self._delay(row.attempts)
                log.warning("wechat outbox: message %d to %s kept (%s), retried in %.0f s", row.id,
                            user_ref(row.openid), mask_text(str(exc)), delay)
            else:
                status, delay = "failed", self.retry_max_s
                log.error("wechat outbox: message %d to %s refused (errcode %s: %s); kept, retried in %.0f s",
                          row.id, user_ref(row.openid), exc.errcode, mask_text(exc.errmsg), delay)
            self.outbox.defer(row.id, status, delay, str(exc))
            return False
        except Exception as exc:
            self.deferred += 1
            delay = self._delay(row.attempts)
            self.outbox.defer(row.id, "queued", delay, f"{type(exc).__name__}")
            log.error("wechat outbox: message %d to %s not sent (%s), retried in %.0f s", row.id,
                      user_ref(row.openid), type(exc).__name__, delay)
            return False
        self.outbox.delivered(row.id)
        self.sent += 1
        return True
