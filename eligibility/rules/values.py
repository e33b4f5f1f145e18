"""Typed field values: coercion of profile values and condition values to one field type.

Types: ``number`` (float), ``int``, ``bool``, ``date``, ``enum`` (one string), ``list`` (a set of strings).
``None`` means unknown; ``""`` and ``()`` are known-empty values ("none").
"""

from __future__ import annotations

import datetime as dt
import math
import re
from typing import Any, Tuple

from knowledge.dates import parse_date

TYPES = ("number", "int", "bool", "date", "enum", "list")
_TRUE = {"true", "yes", "y", "1", "是", "有", "对", "已"}
_FALSE = {"false", "no", "n", "0", "否", "无", "没有", "不是", "未"}
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
MAX_TEXT = 200
MAX_ITEMS = 50
MAX_ABS = 1e15


class ValueTypeError(ValueError):
    """A value that does not fit its field's type; ``reason`` is Chinese, for the user."""

    def __init__(self, reason: str, detail: str):
        super().__init__(detail)
        self.reason = reason
        self.detail = detail


def _text(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise ValueTypeError("应为一段文字", f"expected a string, got {type(value).__name__}")
    text = str(value).strip()
    if _CONTROL.search(text):
        raise ValueTypeError("不能包含控制字符", "control characters are not allowed")
    if len(text) > MAX_TEXT:
        raise ValueTypeError(f"不能超过{MAX_TEXT}个字", f"longer than {MAX_TEXT} characters")
    return text


def _number(value: Any) -> float:
    if isinstance(value, bool):
        raise ValueTypeError("应为数字", "expected a number, got a boolean")
    if isinstance(value, str):
        try:
            value = float(value.strip().replace(",", "").rstrip("%"))
        except ValueError:
            raise ValueTypeError("应为数字", f"not a number: {value[:40]!r}") from None
    if not isinstance(value, (int, float)):
        raise ValueTypeError("应为数字", f"expected a number, got {type(value).__name__}")
    number = float(value)
    if math.isnan(number) or math.isinf(number) or abs(number) > MAX_ABS:
        raise ValueTypeError("数值超出合理范围", "number out of range")
    return number


def _date(value: Any) -> dt.date:
    day = parse_date(value.strip() if isinstance(value, str) else value)
    if day is not None:
        return day
    raise ValueTypeError("应为日期，格式如 2024-05-01", f"not an ISO date: {str(value)[:40]!r}")


def _bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        key = value.strip().lower()
        if key in _TRUE:
            return True
        if key in _FALSE:
            return False
    raise ValueTypeError("应为“是”或“否”", f"not a boolean: {str(value)[:40]!r}")


def coerce(kind: str, value: Any) -> Any:
    """The value in the canonical Python form for a field of type ``kind``; ``None`` stays unknown."""
    if value is None:
        return None
    if kind == "number":
        return _number(value)
    if kind == "int":
        number = _number(value)
        if number != int(number):
            raise ValueTypeError("应为整数", f"not an integer: {number}")
        return int(number)
    if kind == "bool":
        return _bool(value)
    if kind == "date":
        return _date(value)
    if kind == "enum":
        return _text(value)
    if kind == "list":
        items = value if isinstance(value, (list, tuple, set, frozenset)) else [value]
        if len(items) > MAX_ITEMS:
            raise ValueTypeError(f"最多{MAX_ITEMS}项", f"more than {MAX_ITEMS} items")
        texts = {_text(v) for v in items}
        texts.discard("")
        return tuple(sorted(texts))
    raise ValueError(f"unknown field type {kind}")


def coerce_many(kind: str, values: Any) -> Tuple[Any, ...]:
    """Coerce each member of a condition's list value to the scalar form of ``kind``."""
    scalar = "enum" if kind == "list" else kind
    items = values if isinstance(values, (list, tuple)) else [values]
    return tuple(coerce(scalar, v) for v in items)


def to_json(kind: str, value: Any) -> Any:
    """A JSON-ready form of a canonical value."""
    if value is None:
        return None
    if kind == "date":
        return value.isoformat()
    if kind == "list":
        return list(value)
    if kind == "number" and float(value).is_integer():
        return int(value)
    return value


def infer_kind(op: str, value: Any) -> str:
    """The field type a condition implies, for fields the catalogue does not know."""
    if op in ("contains", "contains_any", "not_contains"):
        return "list"
    sample = value[0] if isinstance(value, list) and value else value
    if isinstance(sample, bool):
        return "bool"
    if isinstance(sample, (int, float)):
        return "number"
    if isinstance(sample, dt.date):
        return "date"
    if isinstance(sample, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", sample):
        return "date"
    return "enum"
