"""The demo data account: deterministic, valid identifiers, the size and spread the demo needs, fast."""

from __future__ import annotations

import datetime as dt
import time
from collections import Counter

from eligibility.context import Context
from eligibility.profiles import generator
from eligibility.profiles.demo import PERSONAS, check_personas
from eligibility.profiles.ids import citizen_problem, uscc_problem
from eligibility.settings import Settings
from tests.eligibility.conftest import TODAY


def test_generator_is_deterministic_and_valid() -> None:
    a = list(generator.enterprises(300, seed=7, as_of=TODAY))
    b = list(generator.enterprises(300, seed=7, as_of=TODAY))
    assert a == b and a != list(generator.enterprises(300, seed=8, as_of=TODAY))
    assert all(uscc_problem(r["id"]) is None for r in a)
    people = list(generator.citizens(300, seed=7, as_of=TODAY))
    assert all(citizen_problem(r["id"]) is None for r in people)
    assert len({r["id"] for r in people}) == 300


def test_spread_across_districts_and_industries() -> None:
    rows = list(generator.enterprises(2000, as_of=TODAY))
    districts = Counter(r["values"]["registered_district"] for r in rows)
    industries = Counter(r["values"]["industry_code_gb4754"][1] for r in rows)
    assert len(districts) >= 9 and min(districts.values()) >= 20
    assert len(industries) >= 12
    high_tech = sum("国家高新技术企业" in r["values"]["qualifications"] for r in rows)
    assert 0.05 * len(rows) < high_tech < 0.4 * len(rows)
    people = list(generator.citizens(1000, as_of=TODAY))
    hukou = Counter(p["values"]["hukou"] for p in people)
    assert 0.3 < hukou["深圳"] / 1000 < 0.6
    assert sum(p["values"]["age"] >= 70 for p in people) > 30


def test_seeding_the_demo_account_is_fast(tmp_path) -> None:  # type: ignore[no-untyped-def]
    ctx = Context(Settings(database_url=f"sqlite:///{tmp_path / 's.db'}", today=TODAY, secrets_dir=tmp_path))
    ctx.migrate()
    start = time.process_time()  # CPU time: the machine is shared, wall time is not ours alone
    done = ctx.seed()
    assert time.process_time() - start < 5.0
    assert done["profiles"] == 2000 + 1000 + len(PERSONAS)
    assert ctx.profile_count() == done["profiles"]


def test_known_profiles_keep_their_ids_and_journeys(tmp_path) -> None:  # type: ignore[no-untyped-def]
    assert [p.id for p in PERSONAS] == ["91440309MA5H2KQ3XC", "91440307MA5G8TLW2D", "91440309MA5J6RPD7R",
                                        "440309194803150023", "430102200206110032"]
    ctx = Context(Settings(database_url="sqlite://", today=TODAY, secrets_dir=tmp_path))
    journeys = check_personas(ctx.policies, dt.date(2026, 11, 27))
    assert journeys[PERSONAS[0].id], "the 龙华 high-tech enterprise must meet a 秒批 policy"
    assert journeys[PERSONAS[1].id], "the 龙岗 enterprise must meet a 免申即享 policy"
    assert journeys[PERSONAS[3].id], "the elderly citizen must meet a 免申即享 policy"


def test_every_condition_of_the_real_corpus_compiles(tmp_path) -> None:  # type: ignore[no-untyped-def]
    ctx = Context(Settings(database_url="sqlite://", today=TODAY, secrets_dir=tmp_path))
    problems = [w for w in ctx.policies.warnings if not w.startswith("modes:") and "the configuration says" not in w]
    assert not problems, ("conditions that can never be decided (fix the rule file in knowledge/rules or "
                          "eligibility/rules/fields.yaml):\n" + "\n".join(problems))
