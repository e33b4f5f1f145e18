"""Compile conditions to SQL over the data account's ``profiles`` table (one column per stored field).

Every expression is three-valued exactly as the Python evaluator: it is NULL when the field is NULL,
so ``WHERE expr`` keeps the profiles that are *known* to be eligible. List fields are stored as text
``\\x1fa\\x1fb\\x1f`` (empty list: ``''``) and tested with a case-sensitive substring search
(``instr`` on SQLite, ``strpos`` on PostgreSQL).
"""

from __future__ import annotations

from typing import Any, Iterable

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.functions import FunctionElement

from eligibility.rules.model import Cond, Group, Node

SEP = "\x1f"


class position(FunctionElement):  # noqa: N801 - SQL function name
    """1-based position of a substring, 0 when absent, NULL when the text is NULL."""

    type = sa.Integer()
    name = "position"
    inherit_cache = True


@compiles(position)
def _position_default(element: position, compiler: Any, **kw: Any) -> str:
    hay, needle = list(element.clauses)
    return f"POSITION({compiler.process(needle, **kw)} IN {compiler.process(hay, **kw)})"


@compiles(position, "sqlite")
def _position_sqlite(element: position, compiler: Any, **kw: Any) -> str:
    hay, needle = list(element.clauses)
    return f"instr({compiler.process(hay, **kw)}, {compiler.process(needle, **kw)})"


@compiles(position, "postgresql")
def _position_pg(element: position, compiler: Any, **kw: Any) -> str:
    hay, needle = list(element.clauses)
    return f"strpos({compiler.process(hay, **kw)}, {compiler.process(needle, **kw)})"


def list_to_text(values: Iterable[str]) -> str:
    items = list(values)
    return SEP + SEP.join(items) + SEP if items else ""


def text_to_list(text: Any) -> Any:
    if text is None:
        return None
    return tuple(x for x in str(text).split(SEP) if x)


def unknown() -> ColumnElement:
    return sa.cast(sa.null(), sa.Boolean)


def _guard(col: ColumnElement, value: bool) -> ColumnElement:
    """A constant result that is still unknown when the field is unknown."""
    return sa.case((col.is_(None), sa.null()), else_=sa.literal(value, sa.Boolean))


def _found(col: ColumnElement, needle: str) -> ColumnElement:
    return position(col, sa.literal(needle, sa.Text)) > 0


def _any(col: ColumnElement, needles: list) -> ColumnElement:
    if not needles:
        return _guard(col, False)
    return sa.or_(*[_found(col, n) for n in needles])


def _all(col: ColumnElement, needles: list) -> ColumnElement:
    if not needles:
        return _guard(col, True)
    return sa.and_(*[_found(col, n) for n in needles])


def _typed(cond: Cond, value: Any) -> ColumnElement:
    if cond.kind in ("number", "int"):
        return sa.literal(float(value), sa.Float)
    if cond.kind == "date":
        return sa.literal(value, sa.Date)
    if cond.kind == "bool":
        return sa.literal(bool(value), sa.Boolean)
    return sa.literal(value, sa.String)


def _in(col: ColumnElement, cond: Cond, values: tuple, negate: bool) -> ColumnElement:
    if not values:
        return _guard(col, negate)
    expr = col.in_([_typed(cond, v) for v in values])
    return sa.not_(expr) if negate else expr


def _list_leaf(col: ColumnElement, cond: Cond) -> ColumnElement:
    needles = [SEP + v + SEP for v in cond.value or ()]
    if cond.op == "exists":
        return col != ""
    if cond.op == "contains":
        return _all(col, needles)
    if cond.op in ("==", "in", "contains_any"):
        return _any(col, needles)
    return sa.not_(_any(col, needles))  # != not_in not_contains


def _scalar_leaf(col: ColumnElement, cond: Cond) -> ColumnElement:
    op, x = cond.op, cond.value
    if op == "exists":
        return col != "" if cond.kind == "enum" else _guard(col, True)
    if op in ("==", "!=") and isinstance(x, tuple):
        return _in(col, cond, x, negate=op == "!=")
    if op in ("in", "not_in"):
        return _in(col, cond, x, negate=op == "not_in")
    if op == "between":
        return col.between(_typed(cond, x[0]), _typed(cond, x[1]))
    if op == "contains":
        return _all(col, list(x))
    if op == "contains_any":
        return _any(col, list(x))
    if op == "not_contains":
        return sa.not_(_any(col, list(x)))
    compare = {
        "==": col.__eq__, "!=": col.__ne__, ">": col.__gt__, ">=": col.__ge__, "<": col.__lt__, "<=": col.__le__,
    }[op]
    return compare(_typed(cond, x))


def leaf_sql(cond: Cond, table: sa.Table) -> ColumnElement:
    if cond.error is not None or cond.field not in table.c:
        return unknown()
    col = table.c[cond.field]
    return _list_leaf(col, cond) if cond.kind == "list" else _scalar_leaf(col, cond)


def to_sql(node: Node, table: sa.Table) -> ColumnElement:
    if isinstance(node, Group):
        parts = [to_sql(c, table) for c in node.children]
        if not parts:
            return sa.true() if node.mode == "all" else sa.false()
        return sa.and_(*parts) if node.mode == "all" else sa.or_(*parts)
    expr = leaf_sql(node, table)
    if node.applies_if is None:
        return expr
    return sa.or_(sa.not_(to_sql(node.applies_if, table)), expr)


def all_to_sql(nodes: Iterable[Node], table: sa.Table) -> ColumnElement:
    parts = [to_sql(n, table) for n in nodes]
    return sa.and_(*parts) if parts else sa.true()
