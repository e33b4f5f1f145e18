"""Dates: the one parser of a date written in data (corpus, configuration, the data account, service answers)
and the one way the assistant says a date in Chinese.

:func:`parse_date` reads what our files and services write: a :class:`datetime.date` or ``datetime``, an ISO
date (``2025-06-30``, also with a time after it), and the same date written with slashes or dots, without
leading zeros (``2025/6/30``) or in Chinese (``2025年6月30日``, ``2025年6月30号``). Anything else is None: a
year alone or a month alone is not a date. It lives in ``knowledge`` because that is the lowest layer every
user imports (the corpus schema, the eligibility service, the action server).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Optional

_WRITTEN = re.compile(r"\s*(\d{4})\s*(?:[-/.]\s*(\d{1,2})\s*[-/.]\s*(\d{1,2})|年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*[日号]?)")
# what may follow a date: nothing, a time (ISO "T08:30", " 08:30:00") or a closing word ("前", "止")
_AFTER = re.compile(r"(?:[T\s]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?\s*$")


def parse_date(value: object) -> Optional[dt.date]:
    """The date `value` holds, or None when it holds none (see the module's docstring for what is read)."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if not isinstance(value, str):
        return None
    m = _WRITTEN.match(value)
    if m is None or not _AFTER.match(value, m.end()):
        return None
    year, month, day = int(m.group(1)), int(m.group(2) or m.group(4)), int(m.group(3) or m.group(5))
    try:
        return dt.date(year, month, day)
    except ValueError:  # 2025-02-30
        return None


def say_date(day: dt.date, today: Optional[dt.date] = None) -> str:
    """2025年6月30日; 6月30日 when `today` is given and in the same year."""
    if today is not None and day.year == today.year:
        return f"{day.month}月{day.day}日"
    return f"{day.year}年{day.month}月{day.day}日"
