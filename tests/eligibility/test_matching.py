"""Matching on a small synthetic corpus: filters, next question, benefit estimate, configured modes."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

import pytest
from fastapi.testclient import TestClient

from eligibility.modes import InvalidModes, load_modes
from eligibility.rules.policies import build_policy_set
from eligibility.services.matching import Filters, match
from tests.eligibility.conftest import TODAY, doc, subject_headers, write_corpus, write_modes

REVENUE = {"field": "annual_revenue_wan", "op": ">=", "value": 1000, "text": "上年度营业收入不低于1000万元"}
DISTRICT = {"field": "registered_district", "op": "in", "value": ["龙华区"], "text": "在龙华区注册"}
HIGH_TECH = {"field": "qualifications", "op": "contains", "value": "国家高新技术企业", "text": "国家高新技术企业"}
AGE = {"field": "age", "op": ">=", "value": 70, "text": "年满70周岁"}


@pytest.fixture()
def policies(tmp_path: Path):  # type: ignore[no-untyped-def]
    corpus = write_corpus(tmp_path / "c", [
        doc("ENT-801", [DISTRICT, REVENUE], formula="按研发费用的10%给予资助，最高100万元", amount=100),
        doc("ENT-802", [DISTRICT, HIGH_TECH], amount=50, category="其他",
            window={"start": "2026-01-01", "end": "2026-03-31", "text": "2026年一季度"}),
        doc("ENT-803", [REVENUE, HIGH_TECH], amount=5),
        doc("CIT-801", [AGE], audience="citizen", amount=0.2),
    ])
    modes = write_modes(tmp_path / "m.yaml", [{"id": "CIT-801", "handling": "免申即享", "basis": "demo"}])
    return build_policy_set(corpus, load_modes(modes))


def test_next_question_settles_the_most_candidates(policies) -> None:  # type: ignore[no-untyped-def]
    out = match(policies, {"registered_district": "龙华区"}, Filters(audience="enterprise"), TODAY)
    assert out["summary"] == {"eligible": 0, "needs_information": 3, "not_eligible": 0}
    q = out["next_question"]
    # revenue and qualifications are each missing from two policies; revenue carries the larger benefit (105 vs 55)
    assert q["field"] == "annual_revenue_wan" and sorted(q["policies"]) == ["ENT-801", "ENT-803"]
    assert q["question"] == "请问贵单位上年度的营业收入是多少万元？"
    out = match(policies, {"registered_district": "南山区"}, Filters(audience="enterprise"), TODAY)
    # ENT-801/802 are already not met: only ENT-803 is a candidate
    assert out["next_question"]["policies"] == ["ENT-803"]


def test_statuses_and_plain_words(policies) -> None:  # type: ignore[no-untyped-def]
    values = {"registered_district": "龙华区", "annual_revenue_wan": 500.0, "qualifications": ("国家高新技术企业",),
              "rd_expense_wan": 300.0}
    results = {r["policy_id"]: r for r in match(policies, values, Filters(audience="enterprise"), TODAY)["results"]}
    assert results["ENT-802"]["status"] == "eligible"
    r801 = results["ENT-801"]
    assert r801["status"] == "not_eligible" and r801["not_met"][0]["text"] == "上年度营业收入不低于1000万元"
    assert r801["not_met"][0]["actual"] == 500 and r801["met"][0]["text"] == "在龙华区注册"
    assert r801["benefit"]["estimate_wan"] == 30.0 and "研发费用" in r801["benefit"]["basis"]
    assert results["ENT-802"]["benefit"]["estimate_wan"] == 50


def test_filters(policies) -> None:  # type: ignore[no-untyped-def]
    ids = lambda f: {r["policy_id"] for r in match(policies, {}, f, TODAY)["results"]}  # noqa: E731
    assert ids(Filters(audience="citizen")) == {"CIT-801"}
    assert ids(Filters(category="其他")) == {"ENT-802"}
    assert "ENT-802" not in ids(Filters(window_open=True))  # its only window closed in March 2026
    assert ids(Filters(handling="免申即享")) == {"CIT-801"}


def test_modes_config_is_validated(tmp_path: Path) -> None:
    bad = write_modes(tmp_path / "bad.yaml", [{"id": "ENT-001", "handling": "自动", "basis": "demo"}])
    with pytest.raises(InvalidModes):
        load_modes(bad)
    twice = write_modes(tmp_path / "twice.yaml", [{"id": "ENT-001", "handling": "秒批", "basis": "demo"}] * 2)
    with pytest.raises(InvalidModes):
        load_modes(twice)


def test_idempotency_key_header(tmp_path: Path, make_client: Callable[..., TestClient]) -> None:
    corpus = write_corpus(tmp_path / "c", [doc("ENT-801", [DISTRICT])])
    client = make_client(corpus=corpus, modes=write_modes(tmp_path / "m.yaml", []))
    pid = "91440309MA5H2KQ3XC"
    me = subject_headers(client, pid)
    first = client.post("/applications", json={"profile_id": pid, "policy_id": "ENT-801"},
                        headers={"Idempotency-Key": "hdr-key-0001", **me})
    assert first.status_code == 201 and first.json()["status"] == "under_review"  # 常规申报: reviewed by a person
    again = client.post("/applications", json={"profile_id": "me", "policy_id": "ENT-801"},
                        headers={"Idempotency-Key": "hdr-key-0001", **me})
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
    clash = client.post("/applications", json={"profile_id": pid, "policy_id": "ENT-801", "idempotency_key": "other-key-1"},
                        headers={"Idempotency-Key": "hdr-key-0001", **me})
    assert clash.status_code == 422 and clash.json()["error"]["code"] == "idempotency_key_conflict"
    citizen = client.post("/applications", json={"profile_id": "440309194803150023", "policy_id": "ENT-801"},
                          headers=subject_headers(client, "440309194803150023"))
    assert citizen.status_code == 422 and citizen.json()["error"]["code"] == "audience_mismatch"


def test_next_question_puts_the_larger_possible_benefit_first(tmp_path: Path) -> None:
    """Three small policies miss the head count, one large one misses the R&D spend: the R&D question
    comes first (400 万元 at stake against 3 × 2 万元), though the head count would settle more policies;
    with the amounts equal, the head count (more policies) comes first again."""
    employees = {"field": "employees", "op": ">=", "value": 10, "text": "职工人数不少于10人"}
    rd = {"field": "rd_expense_wan", "op": ">=", "value": 100, "text": "上年度研发费用不少于100万元"}

    def first_field(big: float) -> dict:
        corpus = write_corpus(tmp_path / f"c{big:g}" / "corpus", [
            doc("ENT-811", [DISTRICT, employees], amount=2), doc("ENT-812", [DISTRICT, employees], amount=2),
            doc("ENT-813", [DISTRICT, employees], amount=2), doc("ENT-814", [DISTRICT, rd], amount=big)])
        policies = build_policy_set(corpus, load_modes(write_modes(tmp_path / f"m{big:g}.yaml", [])))
        return match(policies, {"registered_district": "龙华区"}, Filters(audience="enterprise"), TODAY)["next_question"]

    q = first_field(400)
    assert q["field"] == "rd_expense_wan" and q["policies"] == ["ENT-814"] and q["settles_count"] == 1
    assert q["benefit_wan"] == 400 and q["top_benefit_wan"] == 400 and q["top_policy"] == "测试政策ENT-814"
    assert q["then"][0] == "employees" and "万元" in q["question"] and q["unit"] == "万元"
    q = first_field(2)
    assert q["field"] == "employees" and q["settles_count"] == 3 and q["benefit_wan"] == 6
