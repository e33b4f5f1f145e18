"""The demo data account: generated profiles plus a few well-known ones for the bot's journeys.

The known profiles keep fixed identifiers. Their verified fields start from a persona and are then
completed so that they meet the conditions of a policy picked from the configuration (秒批 / 免申即享),
whatever the current corpus says; ``check_personas`` reports any journey that no longer holds.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from typing import Any, Dict, Iterator, List, Optional

from eligibility.profiles.generator import citizen, enterprise
from eligibility.profiles.ids import citizen_check_char, uscc_check_char
from eligibility.rules.evaluate import evaluate_all
from eligibility.rules.policies import Policy, PolicySet
from eligibility.rules.solver import satisfy


def _uscc(body: str) -> str:
    return body + uscc_check_char(body)


def _cid(body: str) -> str:
    return body + citizen_check_char(body)


@dataclass(frozen=True)
class Persona:
    id: str
    kind: str
    name: str
    story: str
    base: Dict[str, Any] = field(default_factory=dict)
    target: Optional[str] = None  # "秒批" or "免申即享": made eligible for one such policy
    prefer_region: Optional[str] = None
    drop: tuple = ()  # fields left unknown on purpose


PERSONAS: List[Persona] = [
    Persona(_uscc("91440309MA5H2KQ3X"), "enterprise", "深圳市华芯智云科技有限公司",
            "龙华区国家高新技术企业（软件和信息技术服务业，新纳统）：在共享数据上满足一项秒批政策的全部条件，一键申请即时获批。",
            {"registered_district": "龙华区", "operating_district": "龙华区", "tax_district": "龙华区",
             "qualifications": ("国家高新技术企业", "科技型中小企业"), "enterprise_size": "小型",
             "industry_code_gb4754": ("I", "I65", "I65软件和信息技术服务业"), "industry_tags": ("软件", "新兴产业"),
             "annual_revenue_wan": 6800.0, "rd_expense_wan": 610.0, "in_stats_direct_report": True,
             "stats_district": "龙华区", "stats_category": "规上软件和信息服务业", "stats_inclusion_is_transfer": False,
             "credit_flags": ()},
            target="秒批", prefer_region="龙华区"),
    Persona(_uscc("91440307MA5G8TLW2"), "enterprise", "深圳市鹏程精密智造有限公司",
            "龙岗区专精特新中小企业：共享数据命中免申即享政策，运行 grants run 后收到通知，确认账户即可到账。",
            {"registered_district": "龙岗区", "operating_district": "龙岗区", "tax_district": "龙岗区",
             "qualifications": ("国家高新技术企业", "专精特新中小企业", "省级专精特新中小企业"), "enterprise_size": "中型",
             "industry_code_gb4754": ("C", "C34", "C34通用设备制造业"), "in_stats_direct_report": True,
             "stats_district": "龙岗区", "credit_flags": ()},
            target="免申即享", prefer_region="龙岗区"),
    Persona(_uscc("91440309MA5J6RPD7"), "enterprise", "深圳市龙腾新材料有限公司",
            "龙华区新设制造企业，统计与认定数据尚未归集：匹配结果多为“需补充信息”，用于演示机器人逐个追问。",
            {"registered_district": "龙华区", "operating_district": "龙华区", "enterprise_size": "小型",
             "industry_code_gb4754": ("C", "C38", "C38电气机械和器材制造业")},
            drop=("qualifications", "recognition_events", "stats_district", "stats_category", "in_stats_direct_report",
                  "stats_first_included_year", "stats_inclusion_is_transfer", "annual_revenue_wan", "rd_expense_wan",
                  "tax_district", "is_independent_legal_person", "credit_flags")),
    Persona(_cid("44030919480315002"), "citizen", "陈桂兰",
            "深户高龄老人：共享数据命中免申即享的惠民政策，运行 grants run 后收到通知，确认银行账户即可到账。",
            {"hukou": "深圳", "hukou_province": "广东", "age": 78, "reached_retirement_age": True,
             "pension_receiving_place": "深圳"},
            target="免申即享"),
    Persona(_cid("43010220020611003"), "citizen", "李思涵",
            "应届本科毕业生（非深户）：学历等信息由共享数据核验，可演示秒批类事项。",
            {"hukou": "非深圳", "hukou_province": "湖南", "age": 24, "education": "本科", "education_fulltime": True, "is_fresh_graduate": True,
             "family_planning_compliant": True},
            target="秒批"),
]


def _candidates(policies: PolicySet, persona: Persona) -> List[Policy]:
    found = []
    for p in policies.by_handling(persona.target or ""):
        if p.audience != persona.kind or not p.conditions:
            continue
        stored = all((spec := policies.catalogue.get(f)) is not None and spec.stored for f in p.fields())
        if not stored or any(leaf.error for n in p.conditions for leaf in n.leaves()):
            continue
        if persona.target == "秒批" and not p.doc.conditions_complete:
            continue
        found.append(p)
    found.sort(key=lambda p: (p.doc.region != persona.prefer_region, p.handling_basis != "facts", p.id))
    return found


def persona_row(persona: Persona, policies: PolicySet, as_of: dt.date) -> Dict[str, Any]:
    rng = random.Random(persona.id)
    row = enterprise(rng, as_of) if persona.kind == "enterprise" else citizen(rng, as_of, 1)
    values = dict(row["values"])
    values.update(persona.base)
    for name in persona.drop:
        values.pop(name, None)
    for policy in _candidates(policies, persona):
        solved = satisfy(policy.conditions, values)
        if evaluate_all(policy.conditions, solved) is True:
            values = solved
            break
    return {"id": persona.id, "kind": persona.kind, "name": persona.name, "sources": row["sources"], "values": values}


def persona_rows(policies: PolicySet, as_of: dt.date) -> Iterator[Dict[str, Any]]:
    for persona in PERSONAS:
        yield persona_row(persona, policies, as_of)


def check_personas(policies: PolicySet, as_of: dt.date) -> Dict[str, List[str]]:
    """For each persona with a target: the ids of target policies it meets on its verified data."""
    out: Dict[str, List[str]] = {}
    for persona in PERSONAS:
        if persona.target is None:
            continue
        values = persona_row(persona, policies, as_of)["values"]
        out[persona.id] = [p.id for p in policies.by_handling(persona.target)
                           if p.audience == persona.kind and p.conditions and evaluate_all(p.conditions, values) is True]
    return out
