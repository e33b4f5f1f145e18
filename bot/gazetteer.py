"""Longest-leftmost matching of a closed list of names (policy names, rating expressions)."""

from __future__ import annotations

from typing import Callable, Dict, List, Optional, Tuple


class Gazetteer:
    """Known names, each with the value it resolves to; `find` takes the longest name at each position.

    `accept(rest)` may refuse a match by the text that follows it (不好 in 不好意思)."""

    def __init__(self, names: Dict[str, str], min_length: int = 2,
                 accept: Optional[Callable[[str], bool]] = None) -> None:
        self.names = {n: v for n, v in names.items() if len(n) >= min_length}
        self.min_length = min_length
        self.longest = max((len(n) for n in self.names), default=0)
        self.accept = accept

    def find(self, text: str) -> List[Tuple[int, int, str]]:
        """(start, end, value) of every match, left to right, no overlaps."""
        found: List[Tuple[int, int, str]] = []
        i = 0
        while i < len(text):
            for length in range(min(self.longest, len(text) - i), self.min_length - 1, -1):
                value = self.names.get(text[i:i + length])
                if value is not None and (self.accept is None or self.accept(text[i + length:])):
                    found.append((i, i + length, value))
                    i += length
                    break
            else:
                i += 1
        return found
