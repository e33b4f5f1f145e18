"""Working days and staffed hours, in China Standard Time: the one home of "when will a person answer".

Working days come from the official holiday calendar (``chinese_calendar``: public holidays and the 调休
weekend days worked in their place). A year the calendar does not cover yet (the State Council publishes
the next year's arrangement in November) falls back to Monday–Friday, and ``calendar_known`` says so.
Staffed hours are ``Settings.staffed_hours`` ("09:00-12:00,14:00-18:00") on working days."""

from __future__ import annotations

import datetime as dt
from typing import List, Optional, Tuple

import chinese_calendar

CST = dt.timedelta(hours=8)  # China Standard Time, no daylight saving
WEEKDAYS = "一二三四五六日"
Span = Tuple[dt.time, dt.time]


def calendar_known(day: dt.date) -> bool:
    try:
        chinese_calendar.is_workday(day)
        return True
    except NotImplementedError:
        return False


def is_working_day(day: dt.date) -> bool:
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError:  # a year not yet published: weekdays only
        return day.weekday() < 5


def add_working_days(day: dt.date, n: int) -> dt.date:
    """The ``n``-th working day after ``day`` (holidays and 调休 included)."""
    while n > 0:
        day += dt.timedelta(days=1)
        if is_working_day(day):
            n -= 1
    return day


def parse_spans(text: str) -> List[Span]:
    """"09:00-12:00,14:00-18:00" -> [(09:00, 12:00), (14:00, 18:00)]; "00:00-24:00" is the whole day."""
    spans: List[Span] = []
    for part in text.split(","):
        start, _, end = part.strip().partition("-")
        a = dt.time.fromisoformat(start.strip())
        b = dt.time.max if end.strip() == "24:00" else dt.time.fromisoformat(end.strip())
        if b <= a:
            raise ValueError(f"staffed span {part!r} ends before it starts")
        spans.append((a, b))
    return sorted(spans)


def local(utc_naive: dt.datetime) -> dt.datetime:
    """The service keeps naive UTC; people read China time."""
    return utc_naive + CST


def is_staffed(at_local: dt.datetime, spans: List[Span], every_day: bool = False) -> bool:
    if not every_day and not is_working_day(at_local.date()):
        return False
    return any(a <= at_local.time() < b for a, b in spans)


def next_staffed(at_local: dt.datetime, spans: List[Span], every_day: bool = False) -> dt.datetime:
    """When a person is next at work (``at_local`` itself when staffed now)."""
    if is_staffed(at_local, spans, every_day):
        return at_local
    day = at_local.date()
    for _ in range(40):  # the longest holiday with its weekends is well under 40 days
        if every_day or is_working_day(day):
            for a, _b in spans:
                start = dt.datetime.combine(day, a)
                if start > at_local:
                    return start
        day += dt.timedelta(days=1)
    raise ValueError("no staffed hour within 40 days")


def say_when(at_local: dt.datetime, today: Optional[dt.date] = None) -> str:
    """12月3日（周四）9:00 — or 今天14:00 / 明天9:00, as an operator would say it."""
    clock = f"{at_local.hour}:{at_local.minute:02d}"
    if today is not None and at_local.date() == today:
        return f"今天{clock}"
    if today is not None and at_local.date() == today + dt.timedelta(days=1):
        return f"明天（{at_local.month}月{at_local.day}日）{clock}"
    return f"{at_local.month}月{at_local.day}日（周{WEEKDAYS[at_local.weekday()]}）{clock}"


def describe_spans(spans: List[Span]) -> str:
    """"工作日9:00—12:00、14:00—18:00"."""
    def hm(t: dt.time) -> str:
        return "24:00" if t == dt.time.max else f"{t.hour}:{t.minute:02d}"
    return "工作日" + "、".join(f"{hm(a)}—{hm(b)}" for a, b in spans)
