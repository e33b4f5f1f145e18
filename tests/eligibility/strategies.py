"""Hypothesis strategies: random typed profiles and random condition trees over six real fields."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from typing import Any, Dict

from hypothesis import strategies as st

FIELDS = {  # one stored field of each type from the catalogue
    "number": "annual_revenue_wan",
    "int": "employees",
    "bool": "is_independent_legal_person",
    "date": "establishment_date",
    "enum": "registered_district",
    "list": "qualifications",
}
WORDS = ["龙华区", "南山区", "龙华", "Ab", "ab", "国家高新技术企业", "高新", "专精特新中小企业", ""]
# small pools, so that equal values (the boundaries of >= and between) come up often
NUMBERS = st.one_of(st.sampled_from([-1, 0, 0.5, 1, 2, 10]), st.sampled_from([0, 1, 2]),
                    st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, allow_infinity=False))
INTS = st.integers(min_value=-1, max_value=4)
DATES = st.dates(min_value=dt.date(2019, 12, 30), max_value=dt.date(2020, 1, 3))
SCALARS = {
    "number": NUMBERS, "int": INTS, "bool": st.booleans(), "date": DATES,
    "enum": st.sampled_from(WORDS),
}


def value_of(kind: str) -> st.SearchStrategy:
    if kind == "list":
        return st.lists(st.sampled_from([w for w in WORDS if w]), max_size=4).map(lambda xs: tuple(sorted(set(xs))))
    return SCALARS[kind]


profiles = st.fixed_dictionaries({f: st.one_of(st.none(), value_of(k)) for k, f in FIELDS.items()})

OPS_BY_KIND = {
    "number": ["==", "!=", ">", ">=", "<", "<=", "in", "not_in", "between", "exists", "contains"],
    "int": ["==", "!=", ">", ">=", "<", "<=", "in", "not_in", "between", "exists"],
    "date": ["==", "!=", ">", ">=", "<", "<=", "in", "not_in", "between", "exists"],
    "bool": ["==", "!=", "in", "not_in", "exists", ">"],
    "enum": ["==", "!=", "in", "not_in", "contains", "contains_any", "not_contains", "exists", ">"],
    "list": ["==", "!=", "in", "not_in", "contains", "contains_any", "not_contains", "exists", "between"],
}


def _scalar_value(kind: str) -> st.SearchStrategy:
    return SCALARS["enum" if kind == "list" else kind]


@st.composite
def leaves(draw: Any, depth: int = 0) -> SimpleNamespace:
    kind = draw(st.sampled_from(sorted(FIELDS)))
    op = draw(st.sampled_from(OPS_BY_KIND[kind]))
    scalar = _scalar_value(kind)
    if op in ("in", "not_in", "contains_any"):
        value: Any = draw(st.lists(scalar, max_size=3))
    elif op == "between":
        value = draw(st.lists(scalar, min_size=2, max_size=2))
    elif op == "exists":
        value = None
    elif op in ("contains", "not_contains") and draw(st.booleans()):
        value = draw(st.lists(scalar, max_size=2))
    elif op in ("==", "!=") and draw(st.integers(0, 5)) == 0:
        value = draw(st.lists(scalar, min_size=1, max_size=2))
    else:
        value = draw(scalar)
    gate = draw(leaves(depth + 1)) if depth < 1 and draw(st.integers(0, 3)) == 0 else None
    return SimpleNamespace(field=FIELDS[kind], op=op, value=value, text="测试条件", applies_if=gate, confidence="high")


def nodes(max_depth: int = 3) -> st.SearchStrategy:
    return st.recursive(
        leaves(),
        lambda children: st.one_of(
            st.lists(children, max_size=3).map(lambda cs: SimpleNamespace(any=cs, text=None)),
            st.lists(children, max_size=3).map(lambda cs: SimpleNamespace(all=cs, text=None)),
        ),
        max_leaves=6,
    )


def as_dict(profile: Dict[str, Any]) -> Dict[str, Any]:
    return {k: v for k, v in profile.items() if v is not None}
