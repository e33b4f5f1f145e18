import datetime as dt

import pytest

from bot import quantities


@pytest.mark.parametrize(
    ("text", "wan"),
    [
        ("三千万", 3000), ("3000万元", 3000), ("0.3亿", 3000), ("1.2个亿", 12000), ("3000w", 3000),
        ("一亿五千万", 15000), ("两万五", 2.5), ("五百万", 500), ("5000元", 0.5), ("3千万", 3000),
        ("营收3000", 3000), ("2,000万", 2000),
    ],
)
def test_money_in_wan(text: str, wan: float) -> None:
    assert quantities.parse_money_wan(text) == pytest.approx(wan)


@pytest.mark.parametrize(("text", "n"), [("两百来号人", 200), ("200人", 200), ("一百二十名", 120), ("十五", 15)])
def test_counts(text: str, n: int) -> None:
    assert quantities.parse_count(text) == n


def test_percent() -> None:
    assert quantities.parse_percent("百分之十五") == 15
    assert quantities.parse_percent("4.5%") == 4.5


def test_months_relative_and_absolute() -> None:
    today = dt.date(2026, 12, 5)
    assert quantities.parse_month("本月", today) == "2026-12"
    assert quantities.parse_month("下个月", today) == "2027-01"
    assert quantities.parse_month("2025年3月", today) == "2025-03"
    assert quantities.parse_month("三月份", today) == "2026-03"
    assert quantities.parse_month("明天", today) is None


def test_classify_by_unit() -> None:
    assert quantities.classify("200人") == "count"
    assert quantities.classify("3000万") == "money"
    assert quantities.classify("15%") == "percent"
    assert quantities.classify("3000") is None


def test_not_a_number() -> None:
    assert quantities.parse_number("没有") is None
