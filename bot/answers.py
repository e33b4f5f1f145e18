"""Turn a user's reply into a typed value for the profile field the assistant just asked about.

The eligibility service says which field it needs and its type (number, int, bool, date, enum, list)
with the options to offer; the user answers with a button, an entity, yes/no or a few words.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence

from bot import quantities

YES = ("是", "对", "有", "已经", "已", "符合", "认定了", "拿到了", "嗯", "可以", "yes")
NO = ("不是", "没有", "否", "不", "没", "无", "还没", "未", "都没", "都不")
UNSURE = ("不清楚", "不知道", "不确定", "不太清楚", "不记得", "说不准", "不好说")

# Which entity can answer which field, when the user names it in passing ("我们在龙华区，200人").
ENTITY_FIELDS: Dict[str, Sequence[str]] = {
    "district": ("registered_district", "operating_district"),
    "employees": ("employees",),
    "revenue": ("annual_revenue_wan",),
    "rd_spend": ("rd_expense_wan",),
    "qualification": ("qualifications",),
    "industry": ("industry_tags",),
}
# Entities that answer a field of this name wherever it is asked.
FIELD_ENTITY = {"employees": "employees", "revenue": "revenue", "rd": "rd_spend", "district": "district",
                "qualifications": "qualification", "industry": "industry"}


def yes_no(text: str, intent: Optional[str] = None) -> Optional[bool]:
    if intent == "affirm":
        return True
    if intent == "deny":
        return False
    stripped = text.strip()
    if any(w in stripped for w in UNSURE):
        return None
    if any(stripped.startswith(w) for w in NO):
        return False
    if any(stripped.startswith(w) for w in YES):
        return True
    return None


def pick_option(text: str, options: Iterable[str]) -> Optional[str]:
    """The option named in the text; the longest wins (龙华区 over 龙华)."""
    found = [o for o in options if o and (o in text or o.rstrip("区市") in text)]
    return max(found, key=len) if found else None


def parse_answer(kind: str, text: str, options: Sequence[str] = (), intent: Optional[str] = None,
                 entity_value: Any = None, unit: Optional[str] = None, titles: Optional[Mapping[str, str]] = None) -> Any:
    """The typed value, or None when the reply does not answer the question. ``titles`` are what the buttons
    showed for coded options (F51 -> 批发业): a reply naming the title chooses the code."""
    text = text.strip()
    for code, title in sorted((titles or {}).items(), key=lambda kv: -len(kv[1])):
        if code in options and title and title in text:
            text = text.replace(title, f" {code} ")
    if kind == "bool":
        return yes_no(text, intent)
    if kind in ("number", "int"):
        if isinstance(entity_value, (int, float)):
            value: Optional[float] = float(entity_value)
        elif unit and "万" in unit:
            value = quantities.parse_money_wan(text)
        elif unit and "%" in unit:
            value = quantities.parse_percent(text)
        else:
            value = quantities.parse_number(text)
        if value is None:
            return None
        return int(round(value)) if kind == "int" else value
    if kind == "date":
        match = re.search(r"(\d{4})[-年/.](\d{1,2})(?:[-月/.](\d{1,2}))?", text)
        if not match:
            return None
        year, month, day = int(match.group(1)), int(match.group(2)), int(match.group(3) or 1)
        try:
            return dt.date(year, month, day).isoformat()
        except ValueError:
            return None
    if kind == "enum":
        if isinstance(entity_value, str) and (not options or entity_value in options):
            return entity_value
        return pick_option(text, options) if options else (text or None)
    if kind == "list":
        if yes_no(text, intent) is False and not pick_option(text, options):
            return []
        chosen = [o for o in options if o in text]
        if isinstance(entity_value, str) and entity_value not in chosen:
            chosen.append(entity_value)
        return chosen or None
    return text or None


def fields_from_entities(entities: List[Dict[str, Any]]) -> Dict[str, Any]:
    """Profile fields the user stated in passing, from the NLU entities of one message."""
    out: Dict[str, Any] = {}
    for e in entities:
        for field in ENTITY_FIELDS.get(e.get("entity", ""), ()):
            value = e.get("value")
            if field == "qualifications":
                out.setdefault(field, [])
                if value not in out[field]:
                    out[field].append(value)
            elif e["entity"] in ("employees", "revenue", "rd_spend"):
                if isinstance(value, (int, float)):
                    out[field] = value
            else:
                out[field] = value
    return out
