"""Structure-aware splitting of plain Chinese text into passages.

Headings of government documents start a new segment: 第X章 / 一、 (level 1), 第X条 / （一） (level 2),
1. / （1） (level 3). Segments longer than a passage are cut at sentence ends (。！？；), sentences longer
than a passage are cut hard. Units are then packed greedily into passages of at most `max_chars`.
Every passage keeps its character span in the source and the heading path in force where it starts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import List, Optional, Tuple

_NUM = "一二三四五六七八九十百零〇"
_AFTER = r"(?:(?<=[\s。；;：:！!？?])|^)"
HEADING = re.compile(
    _AFTER + r"(?P<m>第[" + _NUM + r"\d]+章|[" + _NUM + r"]+、)"
    r"|" + _AFTER + r"(?P<m2>第[" + _NUM + r"\d]+条|[（(][" + _NUM + r"]+[)）])"
    r"|" + _AFTER + r"(?P<m3>\d{1,2}[、.．](?!\d)|[（(]\d{1,2}[)）])"
)
_LABEL_END = re.compile(r"[。；;：:！!？?，,\s]")
SENTENCE = re.compile(r"[^。！？!?；;]*[。！？!?；;]+[”’」）)]*|[^。！？!?；;]+$")
Span = Tuple[int, int]


@dataclass(frozen=True)
class Passage:
    start: int
    end: int
    headings: Tuple[str, ...]  # the heading path in force at `start`, outermost first
    own_heading: bool  # the passage itself starts with the innermost heading


def heading_label(text: str, start: int, max_len: int = 30) -> str:
    """A heading's marker and its short title, e.g. '一、支持疫情防控物资供应'."""
    end = start
    m = HEADING.match(text, start)
    if m:
        end = m.end()
    stop = _LABEL_END.search(text, end, min(len(text), end + max_len))
    return text[start : stop.start() if stop else min(len(text), end + max_len)].strip()


def _headings(text: str, offset: int) -> List[Tuple[int, int]]:
    """(position, level) of every heading marker at or after `offset`."""
    out = []
    for m in HEADING.finditer(text, offset):
        level = 1 if m.group("m") else 2 if m.group("m2") else 3
        start = m.start("m") if m.group("m") else m.start("m2") if m.group("m2") else m.start("m3")
        out.append((start, level))
    return out


def sentences(text: str, start: int, end: int) -> List[Span]:
    return [(start + m.start(), start + m.end()) for m in SENTENCE.finditer(text[start:end]) if m.group().strip()]


def _units(text: str, segments: List[Span], max_chars: int) -> List[Span]:
    units: List[Span] = []
    for a, b in segments:
        if b - a <= max_chars:
            units.append((a, b))
            continue
        for s, e in sentences(text, a, b):
            while e - s > max_chars:
                units.append((s, s + max_chars))
                s += max_chars
            units.append((s, e))
    return units


def _pack(units: List[Span], max_chars: int) -> List[Span]:
    chunks: List[Span] = []
    cur: Optional[Span] = None
    for a, b in units:
        if cur is not None and b - cur[0] <= max_chars:
            cur = (cur[0], b)
        else:
            if cur is not None:
                chunks.append(cur)
            cur = (a, b)
    if cur is not None:
        chunks.append(cur)
    return chunks


def _trim(text: str, span: Span) -> Span:
    a, b = span
    while a < b and text[a].isspace():
        a += 1
    while b > a and text[b - 1].isspace():
        b -= 1
    return a, b


def split_text(text: str, max_chars: int = 360, offset: int = 0) -> List[Passage]:
    """Passages of text[offset:], each at most max_chars long (after trimming white space)."""
    marks = _headings(text, offset)
    cuts = [offset] + [p for p, _ in marks if p > offset] + [len(text)]
    segments = [(a, b) for a, b in zip(cuts, cuts[1:]) if text[a:b].strip()]
    spans = [_trim(text, s) for s in _pack(_units(text, segments, max_chars), max_chars)]
    passages: List[Passage] = []
    stack: List[Tuple[int, str]] = []
    i = 0
    for a, b in spans:
        if a >= b:
            continue
        own = False
        while i < len(marks) and marks[i][0] <= a:
            pos, level = marks[i]
            stack = [h for h in stack if h[0] < level] + [(level, heading_label(text, pos))]
            own = pos == a
            i += 1
        passages.append(Passage(a, b, tuple(h for _, h in stack), own))
    return passages
