"""Failed logins per account: after ``limit`` failures in ``window_s`` seconds the account is locked.

Keys are the normalised identifier, hashed, so an unknown ID number locks exactly like a known one (the page
never tells them apart) and no ID number sits in memory in clear."""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict, deque
from typing import Callable, Deque


class LoginThrottle:
    def __init__(self, limit: int, window_s: float, now: Callable[[], float], max_keys: int = 100_000) -> None:
        self.limit = limit
        self.window_s = window_s
        self._now = now
        self._max_keys = max_keys
        self._failures: OrderedDict[str, Deque[float]] = OrderedDict()
        self._lock = threading.Lock()

    @staticmethod
    def _key(identifier: str) -> str:
        return hashlib.sha256(identifier.encode("utf-8")).hexdigest()

    def _recent(self, key: str, now: float) -> Deque[float]:
        times = self._failures.get(key)
        if times is None:
            return deque()
        while times and times[0] <= now - self.window_s:
            times.popleft()
        if not times:
            del self._failures[key]
        return times

    def begin(self, identifier: str) -> bool:
        """False when locked. Otherwise counts this attempt as a failure until ``succeeded`` clears it, so
        parallel attempts cannot go past the limit."""
        key, now = self._key(identifier), self._now()
        with self._lock:
            times = self._recent(key, now)
            if len(times) >= self.limit:
                return False
            times.append(now)
            self._failures[key] = times
            self._failures.move_to_end(key)
            while len(self._failures) > self._max_keys:
                self._failures.popitem(last=False)
            return True

    def succeeded(self, identifier: str) -> None:
        with self._lock:
            self._failures.pop(self._key(identifier), None)

    def locked(self, identifier: str) -> bool:
        key, now = self._key(identifier), self._now()
        with self._lock:
            return len(self._recent(key, now)) >= self.limit
