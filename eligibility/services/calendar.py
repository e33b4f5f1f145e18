"""政策月历: application windows by month, open now, closing soon."""

from __future__ import annotations

import calendar as cal
import datetime as dt
from typing import Any, Dict, List, Optional

from eligibility.rules.policies import Policy, PolicySet, Window


def _item(policy: Policy, w: Window, today: dt.date) -> Dict[str, Any]:
    return {"policy_id": policy.id, "title": policy.doc.title, "category": policy.doc.category,
            "audience": policy.audience, "handling": policy.handling, "window": w.describe(),
            "open_now": w.is_open(today), "days_left": (w.end - today).days if w.end and w.is_open(today) else None}


def _windows(policies: PolicySet, today: dt.date):
    for policy in policies.policies.values():
        for w in policy.windows(today):
            yield policy, w


def month(policies: PolicySet, year: int, mon: int, today: dt.date) -> Dict[str, Any]:
    first = dt.date(year, mon, 1)
    last = dt.date(year, mon, cal.monthrange(year, mon)[1])
    opening: List[Dict[str, Any]] = []
    open_during: List[Dict[str, Any]] = []
    for policy in policies.policies.values():
        for w in policy.windows(first):
            if w.start and first <= w.start <= last:
                opening.append(_item(policy, w, today))
            elif w.always_open or (w.start and w.end and w.start <= last and w.end >= first):
                open_during.append(_item(policy, w, today))
    opening.sort(key=lambda i: (i["window"]["start"], i["policy_id"]))
    open_during.sort(key=lambda i: (i["window"]["end"] or "9999", i["policy_id"]))
    return {"month": f"{year:04d}-{mon:02d}", "opening": opening, "open_during": open_during}


def open_now(policies: PolicySet, today: dt.date) -> Dict[str, Any]:
    items = [_item(p, w, today) for p, w in _windows(policies, today) if w.is_open(today)]
    items.sort(key=lambda i: (i["days_left"] if i["days_left"] is not None else 10**6, i["policy_id"]))
    return {"date": today.isoformat(), "open": items}


def closing_within(policies: PolicySet, days: int, today: dt.date) -> Dict[str, Any]:
    limit = today + dt.timedelta(days=days)
    items = [_item(p, w, today) for p, w in _windows(policies, today)
             if w.end and w.is_open(today) and w.end <= limit]
    items.sort(key=lambda i: (i["window"]["end"], i["policy_id"]))
    return {"date": today.isoformat(), "within_days": days, "closing": items}


def parse_month(text: str) -> Optional[tuple]:
    try:
        year, mon = text.split("-")
        y, m = int(year), int(mon)
    except ValueError:
        return None
    if len(year) != 4 or not 1 <= m <= 12 or not 1900 <= y <= 2100:
        return None
    return y, m
