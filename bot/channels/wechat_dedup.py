"""One answer per WeChat message, however often WeChat delivers it.

WeChat retries a message three times when it has no answer within 5 s (and a network may deliver one
twice). The first delivery of a key (MsgId, or FromUserName + CreateTime for events) starts the turn;
every later delivery within ``ttl_s`` waits for that same turn and reuses its result, never runs the bot
again. The table lives on the event loop; a lock makes the few synchronous steps safe from threads too."""

from __future__ import annotations

import asyncio
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable, Dict, Optional, Tuple


@dataclass
class Turn:
    """One message's turn: the task computing its answer, and how that answer went out."""

    key: str
    task: asyncio.Task[Any]
    started: float = field(default_factory=time.monotonic)
    wall: int = field(default_factory=lambda: int(time.time()))  # the reply's CreateTime: every delivery gets the same
    deliveries: int = 1  # how many times WeChat delivered the message
    mode: Optional[str] = None  # "passive" once answered in an HTTP response, "async" once left to the API
    queued: bool = False  # the API part of the answer was queued (once)


class Turns:
    def __init__(self, ttl_s: float = 300.0, max_entries: int = 50_000):
        self.ttl_s, self.max_entries = ttl_s, max_entries
        self._turns: Dict[str, Turn] = {}
        self._lock = threading.Lock()
        self.started = 0  # turns started (bot runs)
        self.repeats = 0  # deliveries answered from an existing turn

    def get_or_start(self, key: str, start: Callable[[], Awaitable[Any]]) -> Tuple[Turn, bool]:
        """The turn for ``key``, started with ``start()`` if this is its first delivery; (turn, is_first)."""
        with self._lock:
            now = time.monotonic()
            turn = self._turns.get(key)
            if turn is not None and now - turn.started <= self.ttl_s:
                turn.deliveries += 1
                self.repeats += 1
                return turn, False
            if len(self._turns) >= self.max_entries:
                self._prune(now)
            turn = Turn(key, asyncio.ensure_future(start()))
            self._turns[key] = turn
            self.started += 1
            return turn, True

    def _prune(self, now: float) -> None:
        old = [k for k, t in self._turns.items() if now - t.started > self.ttl_s and t.task.done()]
        for k in old:
            del self._turns[k]
        if len(self._turns) >= self.max_entries:  # still full of live turns: drop the oldest finished ones
            for k in sorted((k for k, t in self._turns.items() if t.task.done()),
                            key=lambda k: self._turns[k].started)[: max(1, self.max_entries // 10)]:
                del self._turns[k]

    def __len__(self) -> int:
        return len(self._turns)
