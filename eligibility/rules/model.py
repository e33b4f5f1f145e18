"""Compiled conditions: a leaf ``Cond`` per typed condition and ``Group`` for any/all nodes.

A leaf's ``holds`` decides a *known* value; unknown values never reach it (see ``evaluate``). The same
semantics, row by row, are compiled to SQL in ``sqlcompile``; a property test checks that they agree.

Semantics by field type (``v`` the profile value, ``x`` the condition value):

=============  ==========================================  ===========================================
op             scalar (number/int/date/enum/bool)          list (a set of strings)
=============  ==========================================  ===========================================
== / !=        v == x / v != x (a list x means in/not_in)  any x in v / no x in v
> >= < <=      number/int/date only                        not allowed
in / not_in    v in x / v not in x                         any x in v / no x in v
between        lo <= v <= hi (number/int/date)             not allowed
contains       enum: x is a substring of v (all, if list)  every x in v
contains_any   enum: some x is a substring of v            some x in v
not_contains   enum: no x is a substring of v              no x in v
exists         v is not "" (any value for other types)     v is not empty
=============  ==========================================  ===========================================

``applies_if: A`` on condition ``C`` means "C only applies when A": (not A) or C, in three-valued logic.
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field as dc_field
from functools import cached_property
from typing import Any, Callable, Dict, Iterator, List, Optional, Tuple, Union

from eligibility.rules.fields import Catalogue, FieldSpec
from eligibility.rules.values import ValueTypeError, coerce, coerce_many, infer_kind, to_json

ORDERED = ("number", "int", "date")
ORDER_OPS = (">", ">=", "<", "<=")
SET_OPS = ("in", "not_in")


@dataclass(frozen=True)
class Cond:
    field: str
    op: str
    value: Any
    text: str
    kind: str
    applies_if: Optional[Cond] = None
    confidence: str = "high"
    error: Optional[str] = None
    check: Optional[Callable[[Cond, Any], bool]] = dc_field(default=None, compare=False, repr=False)

    def holds(self, v: Any) -> bool:
        check = self.check or _HOLDS[self.shape]
        return check(self, v)

    @property
    def shape(self) -> str:
        """The implementation of this op for this field type."""
        return f"{'list' if self.kind == 'list' else 'scalar'}:{self.op}"

    def leaves(self) -> Iterator[Cond]:
        yield self
        if self.applies_if is not None:
            yield from self.applies_if.leaves()

    def describe(self) -> Dict[str, Any]:
        value = list(self.value) if isinstance(self.value, tuple) else self.value
        if self.kind == "date":
            value = [v.isoformat() for v in value] if isinstance(value, list) else to_json("date", value)
        return {"field": self.field, "op": self.op, "value": value, "text": self.text}


@dataclass(frozen=True)
class Group:
    mode: str  # "any" or "all"
    children: Tuple[Node, ...]
    text: Optional[str] = None

    def leaves(self) -> Iterator[Cond]:
        for child in self.children:
            yield from child.leaves()

    @cached_property
    def label(self) -> str:
        if self.text:
            return self.text
        joiner = "；或" if self.mode == "any" else "；并且"
        return joiner.join(_label(c) for c in self.children)

    @cached_property
    def field_names(self) -> List[str]:
        return sorted({leaf.field for leaf in self.leaves()})


Node = Union[Cond, Group]


def _label(node: Node) -> str:
    return node.text if isinstance(node, Cond) else node.label


def _substrings(v: str, xs: Tuple[str, ...]) -> Iterator[bool]:
    return (x in v for x in xs)


_HOLDS: Dict[str, Callable[[Cond, Any], bool]] = {
    "scalar:==": lambda c, v: v in c.value if isinstance(c.value, tuple) else v == c.value,
    "scalar:!=": lambda c, v: v not in c.value if isinstance(c.value, tuple) else v != c.value,
    "scalar:>": lambda c, v: v > c.value,
    "scalar:>=": lambda c, v: v >= c.value,
    "scalar:<": lambda c, v: v < c.value,
    "scalar:<=": lambda c, v: v <= c.value,
    "scalar:in": lambda c, v: v in c.value,
    "scalar:not_in": lambda c, v: v not in c.value,
    "scalar:between": lambda c, v: c.value[0] <= v <= c.value[1],
    "scalar:contains": lambda c, v: all(_substrings(v, c.value)),
    "scalar:contains_any": lambda c, v: any(_substrings(v, c.value)),
    "scalar:not_contains": lambda c, v: not any(_substrings(v, c.value)),
    "scalar:exists": lambda c, v: v != "",
    "list:==": lambda c, v: any(x in v for x in c.value),
    "list:in": lambda c, v: any(x in v for x in c.value),
    "list:contains_any": lambda c, v: any(x in v for x in c.value),
    "list:contains": lambda c, v: all(x in v for x in c.value),
    "list:!=": lambda c, v: not any(x in v for x in c.value),
    "list:not_in": lambda c, v: not any(x in v for x in c.value),
    "list:not_contains": lambda c, v: not any(x in v for x in c.value),
    "list:exists": lambda c, v: len(v) > 0,
}


def _coerce_value(op: str, kind: str, value: Any) -> Any:
    """The condition value in canonical form (scalars as a tuple where the op takes several)."""
    if op == "exists":
        return None
    threshold_kind = "number" if kind == "int" else kind
    if kind == "list" or op in SET_OPS or op in ("contains", "contains_any", "not_contains"):
        if kind in ("number", "int", "date", "bool") and op not in SET_OPS:
            raise ValueTypeError("该条件不适用于此类字段", f"op {op} does not apply to a {kind} field")
        return coerce_many(threshold_kind, value)
    if op in ORDER_OPS or op == "between":
        if kind not in ORDERED:
            raise ValueTypeError("只有数字或日期可以比较大小", f"op {op} needs a number or date field, not {kind}")
        if op == "between":
            low, high = coerce_many(threshold_kind, value)
            return (low, high)
        return coerce(threshold_kind, value)
    if isinstance(value, list):  # == [a, b] read as in
        return coerce_many(threshold_kind, value)
    return coerce(threshold_kind, value)


def compile_leaf(raw: Any, catalogue: Catalogue) -> Cond:
    spec = catalogue.get(raw.field)
    kind = spec.kind if spec else infer_kind(raw.op, raw.value)
    applies_if = compile_leaf(raw.applies_if, catalogue) if raw.applies_if is not None else None
    error = None
    try:
        value = _coerce_value(raw.op, kind, raw.value)
    except (ValueTypeError, ValueError, TypeError) as exc:
        value, error = None, f"{raw.field} {raw.op} {raw.value!r}: {exc}"
    if error is None and f"{'list' if kind == 'list' else 'scalar'}:{raw.op}" not in _HOLDS:
        error = f"{raw.field}: op {raw.op} does not apply to a {kind} field"
    check = _HOLDS.get(f"{'list' if kind == 'list' else 'scalar'}:{raw.op}") if error is None else None
    return Cond(raw.field, raw.op, value, raw.text, kind, applies_if, raw.confidence, error, check)


def compile_node(raw: Any, catalogue: Catalogue) -> Node:
    if hasattr(raw, "any"):
        return Group("any", tuple(compile_node(c, catalogue) for c in raw.any), raw.text)
    if hasattr(raw, "all"):
        return Group("all", tuple(compile_node(c, catalogue) for c in raw.all), raw.text)
    return compile_leaf(raw, catalogue)


def inferred_fields(raw_nodes: List[Any], catalogue: Catalogue) -> List[FieldSpec]:
    """Field specs for condition fields the catalogue lacks (type from the first condition seen)."""
    found: Dict[str, FieldSpec] = {}

    def visit(raw: Any, audience: str) -> None:
        for child in getattr(raw, "any", None) or getattr(raw, "all", None) or []:
            visit(child, audience)
        if hasattr(raw, "field"):
            if raw.field not in catalogue and raw.field not in found:
                kind = infer_kind(raw.op, raw.value)
                # the question is built from the condition's words (FieldSpec.question)
                found[raw.field] = FieldSpec(raw.field, kind, raw.text, audience, inferred=True)
            if raw.applies_if is not None:
                visit(raw.applies_if, audience)

    for node, audience in raw_nodes:
        visit(node, audience)
    return list(found.values())
