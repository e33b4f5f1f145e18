"""The benefit estimate: the stated maximum, or a percentage-of-a-figure formula with a cap."""

from __future__ import annotations

import re
from typing import Any, Dict, Mapping, Optional, Tuple

from eligibility.rules.fields import Catalogue
from eligibility.rules.policies import Policy

PERCENT = re.compile(r"按(?P<base>[^，,。；;]{2,30}?)的(?P<pct>\d+(?:\.\d+)?)%")
CAP = re.compile(r"最高(?:不超过)?(?P<cap>\d+(?:\.\d+)?)万元")
SYNONYMS = {"研发费用": "rd_expense_wan", "研发投入": "rd_expense_wan", "区地方财力": "district_fiscal_contribution_wan",
            "地方财力": "district_fiscal_contribution_wan", "营业收入": "annual_revenue_wan", "营收": "annual_revenue_wan",
            "纳税总额": "total_tax_paid_wan", "技改投资额": "tech_upgrade_investment_last_year_wan",
            "固定资产投资": "fixed_asset_investment_wan", "担保费": "guarantee_fee_paid_wan", "利息": "loan_interest_paid_wan"}


def _base_field(base: str, catalogue: Catalogue) -> Optional[str]:
    for word in sorted(SYNONYMS, key=len, reverse=True):
        if word in base:
            return SYNONYMS[word]
    best = None
    for spec in catalogue.fields.values():
        fits = spec.kind == "number" and spec.unit == "万元" and spec.label in base
        if fits and (best is None or len(spec.label) > len(catalogue.fields[best].label)):
            best = spec.name
    return best


def _parsed(policy: Policy, catalogue: Catalogue) -> Optional[Tuple[str, float, Optional[float]]]:
    """(base field, percent, cap) when the formula is a percentage of a known figure; parsed once."""
    if "formula" not in policy.cache:
        b = policy.doc.benefit
        formula = b.formula or b.text
        m = PERCENT.search(formula)
        name = _base_field(m.group("base"), catalogue) if m else None
        cap = CAP.search(formula)
        limit = float(cap.group("cap")) if cap else b.max_amount_wan
        policy.cache["formula"] = (name, float(m.group("pct")), limit) if m and name else None
    return policy.cache["formula"]


def estimate(policy: Policy, values: Mapping[str, Any], catalogue: Catalogue) -> Dict[str, Any]:
    b = policy.doc.benefit
    out: Dict[str, Any] = {"text": b.text, "max_amount_wan": b.max_amount_wan, "formula": b.formula,
                           "estimate_wan": None, "basis": None}
    parsed = _parsed(policy, catalogue)
    if parsed:
        name, pct, limit = parsed
        figure = values.get(name)
        if isinstance(figure, (int, float)) and not isinstance(figure, bool):
            amount = float(figure) * pct / 100
            if limit is not None:
                amount = min(amount, limit)
            out["estimate_wan"] = round(amount, 2)
            spec = catalogue.get(name)
            out["basis"] = f"按{spec.label if spec else name}{figure:g}万元的{pct:g}%估算" + (
                f"，不超过{limit:g}万元" if limit else "")
            return out
    if b.max_amount_wan is not None:
        out["estimate_wan"] = b.max_amount_wan
        out["basis"] = f"按政策规定的最高额度{b.max_amount_wan:g}万元估算，实际以审核结果为准"
    return out
