"""The rule model: semantics of each op, three-valued logic, applies_if, compile errors, explanations."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from typing import Any, Optional

import pytest

from eligibility.rules.evaluate import evaluate, evaluate_all, explain_all
from eligibility.rules.fields import load_catalogue
from eligibility.rules.model import compile_node
from eligibility.rules.solver import satisfy

CAT = load_catalogue()


def leaf(field: str, op: str, value: Any = None, applies_if: Optional[SimpleNamespace] = None) -> SimpleNamespace:
    return SimpleNamespace(field=field, op=op, value=value, text=f"{field} {op}", applies_if=applies_if,
                           confidence="high")


def run(raw: SimpleNamespace, **profile: Any) -> Optional[bool]:
    return evaluate(compile_node(raw, CAT), profile)


@pytest.mark.parametrize("op,value,actual,expected", [
    (">=", 2000, 2000.0, True), (">", 2000, 2000.0, False), ("<", 10, 9.99, True), ("<=", 10, 10.0, True),
    ("==", 5, 5.0, True), ("!=", 5, 5.0, False), ("between", [1, 3], 3.0, True), ("between", [1, 3], 3.01, False),
    ("in", [1, 2], 2.0, True), ("not_in", [1, 2], 2.0, False), ("exists", None, 0.0, True),
])
def test_number_ops(op: str, value: Any, actual: float, expected: bool) -> None:
    assert run(leaf("annual_revenue_wan", op, value), annual_revenue_wan=actual) is expected


@pytest.mark.parametrize("op,value,expected", [
    ("contains", "国家高新技术企业", True), ("contains", ["国家高新技术企业", "专精特新中小企业"], False),
    ("contains_any", ["专精特新中小企业", "国家高新技术企业"], True), ("contains_any", [], False),
    ("not_contains", "专精特新中小企业", True), ("not_contains", ["国家高新技术企业"], False),
    ("in", ["国家高新技术企业"], True), ("not_in", ["高新"], True), ("exists", None, True),
])
def test_list_ops_are_membership_not_substring(op: str, value: Any, expected: bool) -> None:
    assert run(leaf("qualifications", op, value), qualifications=("国家高新技术企业", "科技型中小企业")) is expected


def test_empty_list_is_known_none_not_unknown() -> None:
    assert run(leaf("qualifications", "contains", "国家高新技术企业"), qualifications=()) is False
    assert run(leaf("qualifications", "exists"), qualifications=()) is False
    assert run(leaf("credit_flags", "not_contains", "严重失信主体名单"), credit_flags=()) is True


def test_missing_data_is_unknown_never_no() -> None:
    for op, value in [("==", "龙华区"), ("!=", "龙华区"), ("in", ["龙华区"]), ("not_in", ["龙华区"]), ("exists", None)]:
        assert run(leaf("registered_district", op, value)) is None
    assert run(leaf("qualifications", "not_contains", "严重失信")) is None


def test_dates_compare_as_dates_and_accept_strings() -> None:
    cond = leaf("establishment_date", ">=", "2017-01-01")
    assert run(cond, establishment_date=dt.date(2017, 1, 1)) is True
    assert run(cond, establishment_date=dt.date(2016, 12, 31)) is False


def test_kleene_groups() -> None:
    a = leaf("registered_district", "==", "龙华区")
    b = leaf("annual_revenue_wan", ">=", 100)
    any_node = SimpleNamespace(any=[a, b], text=None)
    all_node = SimpleNamespace(all=[a, b], text=None)
    assert run(any_node, registered_district="龙华区") is True  # met even though b is unknown
    assert run(any_node, registered_district="南山区") is None  # not met, b unknown -> unknown
    assert run(all_node, registered_district="南山区") is False  # not met, whatever b is
    assert run(all_node, registered_district="龙华区") is None


def test_applies_if_only_binds_when_the_gate_holds() -> None:
    gate = leaf("in_stats_direct_report", "==", True)
    cond = leaf("stats_district", "in", ["龙华区"], applies_if=gate)
    assert run(cond, in_stats_direct_report=False) is True
    assert run(cond, in_stats_direct_report=True, stats_district="南山区") is False
    assert run(cond, in_stats_direct_report=True) is None
    assert run(cond, stats_district="龙华区") is True  # met whether or not the gate holds
    assert run(cond, stats_district="南山区") is None  # depends on the unknown gate


def test_a_condition_that_does_not_fit_its_field_is_unknown_and_reported() -> None:
    node = compile_node(leaf("registered_district", ">", 3), CAT)
    assert node.error is not None
    assert evaluate(node, {"registered_district": "龙华区"}) is None
    bad_number = compile_node(leaf("annual_revenue_wan", ">=", "上年度或当年"), CAT)
    assert bad_number.error is not None


def test_unknown_field_type_is_inferred() -> None:
    node = compile_node(leaf("brand_new_field_xyz", ">=", 3), CAT.with_inferred([]))
    assert node.kind == "number" and evaluate(node, {"brand_new_field_xyz": 4.0}) is True


def test_explanation_lists_only_the_missing_fields_that_matter() -> None:
    a = leaf("registered_district", "==", "龙华区")
    b = leaf("annual_revenue_wan", ">=", 100)
    gate = leaf("in_stats_direct_report", "==", True)
    c = leaf("stats_district", "in", ["龙华区"], applies_if=gate)
    nodes = [compile_node(n, CAT) for n in (SimpleNamespace(any=[a, b], text=None), c)]
    result, outcomes = explain_all(nodes, {"registered_district": "南山区", "stats_district": "南山区"})
    assert result is None
    assert [x.field for x in outcomes[0].unknown_leaves()] == ["annual_revenue_wan"]
    assert [x.field for x in outcomes[1].unknown_leaves()] == ["in_stats_direct_report"]


def test_solver_meets_mixed_conditions() -> None:
    raws = [leaf("registered_district", "in", ["龙华区"]), leaf("annual_revenue_wan", ">", 2000),
            leaf("employees", "<", 10.5), leaf("qualifications", "contains_any", ["国家高新技术企业"]),
            leaf("credit_flags", "not_contains", "严重失信主体名单"),
            SimpleNamespace(any=[leaf("enterprise_size", "==", "大型"), leaf("listing_stage", "in", ["境内上市"])],
                            text=None)]
    nodes = [compile_node(r, CAT) for r in raws]
    values = satisfy(nodes, {"credit_flags": ("严重失信主体名单",), "employees": 50})
    assert evaluate_all(nodes, values) is True
    assert values["employees"] <= 10
