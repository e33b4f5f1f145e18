"""Facts of the corpus as the rules read them, where a fact sheet and an earlier reading disagreed."""

from __future__ import annotations

from eligibility.modes import load_modes
from eligibility.rules.evaluate import evaluate_all
from eligibility.rules.policies import build_policy_set
from eligibility.settings import Settings


def test_ent_064_startup_loan_is_for_revenue_below_20_million_not_at_it() -> None:
    s = Settings()
    policy = build_policy_set(s.corpus_dir, load_modes(s.modes_path)).get("ENT-064")
    assert policy is not None
    revenue = next(n for n in policy.conditions if "annual_revenue_wan" in policy.fields() and
                   {leaf.field for leaf in n.leaves()} == {"annual_revenue_wan"})
    assert evaluate_all((revenue,), {"annual_revenue_wan": 1999.0}) is True     # 创业贷
    assert evaluate_all((revenue,), {"annual_revenue_wan": 2000.0}) is False    # neither: < 2000 and > 2000
    assert evaluate_all((revenue,), {"annual_revenue_wan": 2001.0}) is True     # 助飞贷
