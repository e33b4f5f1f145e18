"""Every question the bot can ask reads as a 12345 operator would say it (issue 14, point 4): one for each
field of the catalogue and each field the corpus introduces (inferred from its conditions)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Iterable, List

import pytest

from eligibility.modes import load_modes
from eligibility.rules.fields import FieldSpec, load_catalogue
from eligibility.rules.policies import build_policy_set
from eligibility.settings import Settings
from tests.eligibility.conftest import doc, write_corpus, write_modes

LATIN = re.compile(r"[A-Za-z]")


def problems(specs: Iterable[FieldSpec]) -> List[str]:
    found = []
    for spec in specs:
        q = spec.question()
        why = [reason for reason, bad in (
            ("no question", not q),
            ("does not end with ？", not q.endswith("？")),
            ("a slash", "/" in q),
            ("用于", "用于" in q),
            ("Latin letters (a field name, a code, English)", bool(LATIN.search(q))),
            ("not polite (请问)", "请问" not in q),
            ("a number without its unit", spec.kind in ("number", "int")
             and (not spec.shown_unit or spec.shown_unit not in q)),
        ) if bad]
        if why:
            found.append(f"{spec.name}: {q!r}: {', '.join(why)}")
    return found


def test_every_catalogued_field_has_a_plain_written_question() -> None:
    catalogue = load_catalogue()
    assert len(catalogue.fields) > 250
    assert problems(catalogue.fields.values()) == []
    assert all(spec.question_text for spec in catalogue.fields.values())


def test_every_field_of_the_corpus_has_a_plain_question() -> None:
    """The real corpus with its modes: the catalogue plus whatever the conditions introduce."""
    settings = Settings()
    policies = build_policy_set(Path(settings.corpus_dir), load_modes())
    used = {leaf.field for p in policies.policies.values() for node in p.conditions for leaf in node.leaves()}
    assert used and all(name in policies.catalogue for name in used)
    specs = [policies.catalogue.get(name) for name in sorted(used)]
    assert problems(s for s in specs if s is not None) == []


def test_the_old_jargon_is_caught() -> None:
    """What the label-built question said before: the checks above would fail on it."""
    jargon = FieldSpec("recognition_events", "list", "带时间的认定/入榜事件，用于“首次认定奖励”类",
                       question_text="请问贵单位有哪些带时间的认定/入榜事件，用于“首次认定奖励”类？（例如：首次认定国家高新技术企业(2024)）")
    assert len(problems([jargon])) == 1
    bare = FieldSpec("rd_expense_wan", "number", "研发费用", unit="万元", question_text="请问贵单位的研发费用是多少？")
    assert problems([bare]) and "unit" in problems([bare])[0]


@pytest.mark.parametrize("condition, unit", [
    ({"field": "new_growth_pct", "op": ">=", "value": 15, "text": "上年营业收入增长15%以上"}, "%"),
    ({"field": "new_sales_wan", "op": ">=", "value": 3000, "text": "上年度出口额3000万元以上"}, "万元"),
    ({"field": "new_months_here", "op": ">=", "value": 6, "text": "在深经营满6个月"}, "个月"),
])
def test_a_field_the_corpus_introduces_gets_a_plain_question_with_its_unit(tmp_path: Path, condition: dict,
                                                                             unit: str) -> None:
    flag = {"field": "new_flag_not_listed", "op": "==", "value": False, "text": "未列入/限制类（见 GB/T 4754）目录"}
    choice = {"field": "new_kind_of_shop", "op": "in", "value": ["直营店", "加盟店"], "text": "门店类型为直营店"}
    corpus = write_corpus(tmp_path / "c", [doc("ENT-901", [condition, flag, choice]),
                                          doc("CIT-901", [{**flag, "field": "new_citizen_flag"}], audience="citizen")])
    policies = build_policy_set(corpus, load_modes(write_modes(tmp_path / "m.yaml", [])))
    inferred = policies.catalogue.inferred
    assert set(inferred) == {condition["field"], "new_flag_not_listed", "new_kind_of_shop", "new_citizen_flag"}
    assert problems(inferred.values()) == []
    assert inferred[condition["field"]].shown_unit == unit
    assert inferred["new_citizen_flag"].question().startswith("请问您")
    assert inferred["new_flag_not_listed"].question().startswith("请问贵单位")


def test_no_button_shows_a_bare_code() -> None:
    """Options that are codes (GB/T 4754 F51, C) have a name to show; the code is what is stored."""
    for name, spec in load_catalogue().fields.items():
        if spec.kind in ("enum", "list"):
            titles = dict(spec.titles)
            bare = [e for e in spec.examples if re.fullmatch(r"[A-Z]\d*", e) and not titles.get(e)]
            assert not bare, f"{name}: {bare} would show as codes"
