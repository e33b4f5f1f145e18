"""Read amounts, head counts, percentages and months written the way people type them.

三千万 / 3000万元 / 0.3亿 / 1.2个亿 / 3000w -> 3000.0 (万元); 两百来号人 / 200人 -> 200;
百分之十五 / 15% -> 15.0; 本月 / 下个月 / 2025年3月 -> "2025-03". This is the job Duckling does
elsewhere; it cannot run here, so a spaCy Matcher over jieba tokens finds the spans
(bot/components/quantity_extractor.py) and these functions normalise them.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Optional

DIGITS = {"零": 0, "〇": 0, "一": 1, "壹": 1, "二": 2, "贰": 2, "两": 2, "俩": 2, "三": 3, "叁": 3, "四": 4,
          "肆": 4, "五": 5, "伍": 5, "六": 6, "陆": 6, "七": 7, "柒": 7, "八": 8, "捌": 8, "九": 9, "玖": 9}
SMALL_UNITS = {"十": 10, "拾": 10, "百": 100, "佰": 100, "千": 1000, "仟": 1000}
BIG_UNITS = {"万": 10_000, "萬": 10_000, "w": 10_000, "W": 10_000, "亿": 100_000_000, "億": 100_000_000}
NUMERAL = re.compile(r"\d+(?:\.\d+)?|[零〇一壹二贰两俩三叁四肆五伍六陆七柒八捌九玖十拾百佰千仟万萬亿億半wW]")


def parse_number(text: str) -> Optional[float]:
    """A number written in digits, Chinese numerals or a mix (3千万, 1.5万, 一亿五千万, 两百)."""
    parts = NUMERAL.findall(text.replace(",", "").replace("，", ""))
    if not parts:
        return None
    total = 0.0      # everything already closed by 亿
    section = 0.0    # below 亿, closed by 万
    group = 0.0      # below 万
    num: Optional[float] = None
    last_small = 1
    for part in parts:
        if part[0].isdigit():
            num = float(part)
        elif part in DIGITS:
            num = float(DIGITS[part])
        elif part == "半":
            num = (num or 0) + 0.5 if num is not None else 0.5
        elif part in SMALL_UNITS:
            last_small = SMALL_UNITS[part]
            group += (1 if num is None else num) * last_small
            num = None
        elif part in BIG_UNITS:
            unit = BIG_UNITS[part]
            value = group + (num or 0)
            if unit == 10_000:
                section += (value or 1) * unit
            else:
                total = (total + section + value) * unit if (total + section + value) else unit
                section = 0.0
            group, num = 0.0, None
    if num is not None:
        # 两万五 means 25000: a trailing digit counts in the unit below the last one seen.
        trailing_scale = 1
        if group == 0 and section and not total:
            trailing_scale = 1000
        elif group and last_small >= 10:
            trailing_scale = last_small // 10
        group += num * trailing_scale if trailing_scale > 1 and not parts[-1][0].isdigit() else num
    return total + section + group


MONEY = re.compile(r"(元|块|万|萬|亿|億|w|W)")


def parse_money_wan(text: str) -> Optional[float]:
    """An amount of money in 万元. A bare number is read as 万元, as enterprises say 营收3000."""
    value = parse_number(text)
    if value is None:
        return None
    has_big = re.search(r"[万萬亿億wW]", text) is not None
    if has_big:
        return round(value / 10_000, 4)
    if re.search(r"[元块]", text):
        return round(value / 10_000, 4)
    return value


def parse_count(text: str) -> Optional[int]:
    value = parse_number(text)
    return None if value is None else int(round(value))


def parse_percent(text: str) -> Optional[float]:
    value = parse_number(text.replace("百分之", ""))
    return value


def parse_month(text: str, today: Optional[dt.date] = None) -> Optional[str]:
    """A month as YYYY-MM: 本月, 这个月, 下个月, 上个月, 2025年3月, 3月."""
    today = today or dt.date.today()
    offset = {"本月": 0, "这个月": 0, "当月": 0, "这月": 0, "下个月": 1, "下月": 1, "上个月": -1, "上月": -1}
    for word, delta in offset.items():
        if word in text:
            month = today.month - 1 + delta
            return f"{today.year + month // 12:04d}-{month % 12 + 1:02d}"
    match = re.search(r"(?:(\d{4})年)?\s*(\d{1,2}|[一二三四五六七八九十]{1,2})月", text)
    if not match:
        return None
    year = int(match.group(1)) if match.group(1) else today.year
    month_n = parse_count(match.group(2))
    if not month_n or not 1 <= month_n <= 12:
        return None
    return f"{year:04d}-{month_n:02d}"


@dataclass(frozen=True)
class Quantity:
    kind: str          # money | count | percent
    value: float
    start: int
    end: int
    text: str


COUNT_UNITS = ("人", "名", "个人", "号人", "位")
MONEY_UNITS = ("元", "万", "万元", "亿", "亿元", "块", "w", "W", "千万", "百万", "萬", "億")


def classify(text: str) -> Optional[str]:
    if "%" in text or "％" in text or "百分之" in text or text.endswith("个点"):
        return "percent"
    if text.endswith(COUNT_UNITS) or "号人" in text:
        return "count"
    if any(u in text for u in MONEY_UNITS):
        return "money"
    return None


def normalise(kind: str, text: str) -> Optional[float]:
    if kind == "money":
        return parse_money_wan(text)
    if kind == "count":
        value = parse_count(text)
        return None if value is None else float(value)
    if kind == "percent":
        return parse_percent(text)
    return None
