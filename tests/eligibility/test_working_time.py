"""Working days from the official calendar (holidays and 调休), staffed hours, and how a time is said."""

import datetime as dt

import pytest

from eligibility.services.working_time import (
    add_working_days,
    calendar_known,
    describe_spans,
    is_staffed,
    next_staffed,
    parse_spans,
    say_when,
)

SPANS = parse_spans("09:00-12:00,14:00-18:00")


def test_national_day_and_its_make_up_saturday() -> None:
    # 2026: 10月1日–7日 off, Saturday 10月10日 worked in their place
    assert add_working_days(dt.date(2026, 9, 30), 1) == dt.date(2026, 10, 8)
    assert add_working_days(dt.date(2026, 9, 30), 3) == dt.date(2026, 10, 10)
    assert add_working_days(dt.date(2026, 9, 30), 5) == dt.date(2026, 10, 13)


def test_a_plain_week_skips_the_weekend() -> None:
    assert add_working_days(dt.date(2026, 11, 27), 1) == dt.date(2026, 11, 30)  # Friday -> Monday


def test_a_year_not_yet_published_falls_back_to_weekdays() -> None:
    assert calendar_known(dt.date(2026, 12, 31)) and not calendar_known(dt.date(2027, 1, 4))
    assert add_working_days(dt.date(2027, 1, 8), 1) == dt.date(2027, 1, 11)  # Friday -> Monday


def test_staffed_hours_follow_the_calendar() -> None:
    assert is_staffed(dt.datetime(2026, 10, 10, 10, 0), SPANS)  # the make-up Saturday
    assert not is_staffed(dt.datetime(2026, 10, 5, 10, 0), SPANS)  # a Monday in the holiday
    assert not is_staffed(dt.datetime(2026, 12, 2, 12, 30), SPANS)  # lunch
    assert is_staffed(dt.datetime(2026, 12, 5, 10, 0), SPANS, every_day=True)  # a 7×24 line on a Saturday
    assert next_staffed(dt.datetime(2026, 9, 30, 18, 30), SPANS) == dt.datetime(2026, 10, 8, 9, 0)
    assert next_staffed(dt.datetime(2026, 12, 2, 12, 30), SPANS) == dt.datetime(2026, 12, 2, 14, 0)
    assert next_staffed(dt.datetime(2026, 12, 2, 10, 0), SPANS) == dt.datetime(2026, 12, 2, 10, 0)


def test_how_a_time_is_said() -> None:
    today = dt.date(2026, 12, 2)
    assert say_when(dt.datetime(2026, 12, 2, 14, 0), today) == "今天14:00"
    assert say_when(dt.datetime(2026, 12, 3, 9, 0), today) == "明天（12月3日）9:00"
    assert say_when(dt.datetime(2026, 10, 8, 9, 0), today) == "10月8日（周四）9:00"
    assert describe_spans(SPANS) == "工作日9:00—12:00、14:00—18:00"
    assert describe_spans(parse_spans("00:00-24:00")) == "工作日0:00—24:00"


@pytest.mark.parametrize("bad", ["18:00-09:00", "9-12", "09:00"])
def test_bad_spans_are_refused(bad: str) -> None:
    with pytest.raises(ValueError):
        parse_spans(bad)
