"""The one date parser (knowledge.dates) and how a date is said."""

from __future__ import annotations

import datetime as dt

import pytest

from knowledge.dates import parse_date, say_date

JUNE_30 = dt.date(2025, 6, 30)


@pytest.mark.parametrize("written", [
    "2025-06-30", "2025-6-30", " 2025-06-30 ", "2025/06/30", "2025.6.30", "2025年6月30日", "2025年6月30号", "2025年06月30日",
    "2025 年 6 月 30 日", "2025-06-30T08:30:00", "2025-06-30 08:30", "2025-06-30T08:30:00Z", "2025-06-30T08:30:00+08:00",
    JUNE_30, dt.datetime(2025, 6, 30, 23, 59),
])
def test_what_our_data_writes_is_read(written: object) -> None:
    assert parse_date(written) == JUNE_30


@pytest.mark.parametrize("written", [
    "2025-02-30", "2025-13-01", "2025", "2025-06", "2025年6月", "6月30日", "30/06/2025", "2025-06-30xyz", "下周一", "",
    None, 20250630, "2025-06-30至2025-07-30",
])
def test_what_is_not_one_date_is_none(written: object) -> None:
    assert parse_date(written) is None


def test_a_date_is_said_with_its_year_unless_it_is_this_years() -> None:
    assert say_date(JUNE_30) == "2025年6月30日"
    assert say_date(JUNE_30, today=dt.date(2025, 1, 1)) == "6月30日"
    assert say_date(JUNE_30, today=dt.date(2026, 1, 1)) == "2025年6月30日"
