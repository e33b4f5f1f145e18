"""Every date the service reads goes through knowledge.dates.parse_date: rule values, the modes file, the data
account, reminders."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from eligibility.modes import InvalidModes, load_modes
from eligibility.rules.values import ValueTypeError, coerce
from eligibility.services.subscriptions import chat_reminder


def test_a_rule_value_is_a_date_in_any_written_form() -> None:
    for written in ("2024-05-01", "2024年5月1日", "2024/5/1", " 2024-05-01T09:00:00 ", dt.date(2024, 5, 1)):
        assert coerce("date", written) == dt.date(2024, 5, 1)
    for wrong in ("2024-02-30", "五月一日", 20240501):
        with pytest.raises(ValueTypeError):
            coerce("date", wrong)


def test_the_modes_file_refuses_what_is_not_a_date(tmp_path: Path) -> None:
    path = tmp_path / "modes.yaml"
    path.write_text("windows:\n  - {id: ENT-001, start: 2024-10-08, end: '2027年10月7日', text: 申报期}\n", encoding="utf-8")
    window = load_modes(path).windows["ENT-001"][0]
    assert (window.start, window.end) == (dt.date(2024, 10, 8), dt.date(2027, 10, 7))
    path.write_text("windows:\n  - {id: ENT-001, start: 明年, end: 2027-10-07, text: 申报期}\n", encoding="utf-8")
    with pytest.raises(InvalidModes, match="not a date"):
        load_modes(path)


class NoPolicies:
    def get(self, policy_id: str) -> None:
        return None


def test_a_reminder_says_its_date_as_people_do() -> None:
    today, policies = dt.date(2026, 12, 3), NoPolicies()
    reminder = {"policy_id": "ENT-999", "title": "年度资助", "date": "2026-12-10", "days_until": 7,
                "handling": "常规申报", "event": "closes"}
    assert "“年度资助”的申报12月10日（还有7天）截止" in chat_reminder(reminder, policies, today)  # type: ignore[arg-type]
    next_year = {**reminder, "date": "2027-01-05", "days_until": 33, "event": "opens"}
    assert "“年度资助”2027年1月5日（还有33天）开始申报" in chat_reminder(next_year, policies, today)  # type: ignore[arg-type]
