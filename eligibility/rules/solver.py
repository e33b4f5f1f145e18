"""Find values that meet a policy's conditions: used to build the demo data account's known profiles
from whatever the corpus says, so the demo journeys survive edits of the policy files."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any, Dict, Iterable

from eligibility.rules.evaluate import evaluate, evaluate_all
from eligibility.rules.model import Cond, Group, Node


def _other(cond: Cond) -> Any:
    if cond.kind == "bool":
        x = cond.value[0] if isinstance(cond.value, tuple) else cond.value
        return not x
    if cond.kind in ("number", "int"):
        values = cond.value if isinstance(cond.value, tuple) else (cond.value,)
        return max(values) + 1
    if cond.kind == "date":
        values = cond.value if isinstance(cond.value, tuple) else (cond.value,)
        return max(values) + dt.timedelta(days=1)
    return "其他"


def _meeting(cond: Cond, current: Any) -> Any:
    op, x, kind = cond.op, cond.value, cond.kind
    step = dt.timedelta(days=1) if kind == "date" else 1
    if kind == "list":
        have = set(current or ())
        if op == "exists":
            return tuple(sorted(have | {"是"}))
        if op == "contains":
            return tuple(sorted(have | set(x)))
        if op in ("==", "in", "contains_any"):
            return tuple(sorted(have | {x[0]})) if x else tuple(sorted(have))
        return tuple(sorted(have - set(x)))
    if op == "exists":
        return {"bool": True, "number": 1.0, "int": 1, "date": dt.date.today()}.get(kind, "是")
    if op in ("==", "in"):
        return x[0] if isinstance(x, tuple) else x
    if op in ("!=", "not_in"):
        return _other(cond)
    if op == "between":
        return x[0] if kind != "int" else math.ceil(x[0])
    if kind == "int" and op in (">", ">=", "<", "<="):
        return {">": math.floor(x) + 1, ">=": math.ceil(x), "<": math.ceil(x) - 1, "<=": math.floor(x)}[op]
    if op in (">", ">="):
        return x + step if op == ">" else x
    if op in ("<", "<="):
        return x - step if op == "<" else x
    if op in ("contains", "contains_any"):
        return "、".join(x) if op == "contains" else x[0]
    return "其他"  # not_contains on text


def satisfy_node(node: Node, values: Dict[str, Any]) -> None:
    if evaluate(node, values) is True:
        return
    if isinstance(node, Group):
        if node.mode == "all":
            for child in node.children:
                satisfy_node(child, values)
            return
        for child in node.children:
            trial = dict(values)
            satisfy_node(child, trial)
            if evaluate(child, trial) is True:
                values.clear()
                values.update(trial)
                return
        return
    if node.error is None:
        values[node.field] = _meeting(node, values.get(node.field))


def satisfy(nodes: Iterable[Node], base: Dict[str, Any]) -> Dict[str, Any]:
    """``base`` changed as little as needed so that every condition is met (best effort: check it)."""
    values = dict(base)
    nodes = list(nodes)
    for _ in range(3):  # a later condition may undo an earlier one; a few passes settle most cases
        for node in nodes:
            satisfy_node(node, values)
        if evaluate_all(nodes, values) is True:
            break
    return values
