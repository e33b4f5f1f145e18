"""Matching a profile against every policy: status, conditions in plain words, benefit, next question."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import Any, Dict, List, Mapping, Optional, Tuple

from eligibility.rules.evaluate import Outcome, explain_all
from eligibility.rules.model import Cond, Group
from eligibility.rules.policies import Policy, PolicySet
from eligibility.rules.values import to_json
from eligibility.services.benefit import estimate

STATUS = {True: "eligible", False: "not_eligible", None: "needs_information"}
STATUS_LABEL = {"eligible": "符合条件", "not_eligible": "不符合条件", "needs_information": "需补充信息"}


@dataclass
class Filters:
    audience: Optional[str] = None
    category: Optional[str] = None
    window_open: bool = False
    handling: Optional[str] = None
    policy_ids: Optional[Tuple[str, ...]] = None


def _actual(leaf: Cond, values: Mapping[str, Any]) -> Any:
    v = values.get(leaf.field)
    return to_json(leaf.kind, v)


def _entry(outcome: Outcome, values: Mapping[str, Any]) -> Dict[str, Any]:
    node = outcome.node
    if isinstance(node, Cond):
        entry: Dict[str, Any] = {"text": node.text, "fields": [node.field], "actual": _actual(node, values)}
        if node.applies_if is not None:
            entry["applies_if"] = node.applies_if.text
            if outcome.parts and outcome.parts[0].result is False:
                entry["note"] = "该条件不适用于您的情况"
        if node.confidence == "low":
            entry["note"] = "该条件系根据上下文推定，请以主管部门解释为准"
        return entry
    assert isinstance(node, Group)
    return {"text": node.label, "fields": node.field_names,
            "parts": [{"text": _label(p.node), "status": PART_STATUS[p.result]} for p in outcome.parts]}


PART_STATUS = {True: "met", False: "not_met", None: "unknown"}


def _label(node: Any) -> str:
    return node.text if isinstance(node, Cond) else node.label


def match_policy(policy: Policy, values: Mapping[str, Any], policies: PolicySet, today: dt.date) -> Dict[str, Any]:
    result, outcomes = explain_all(policy.conditions, values)
    if not policy.conditions and not policy.doc.conditions_complete:
        result = None
    status = STATUS[result]
    met: List[Dict[str, Any]] = []
    not_met: List[Dict[str, Any]] = []
    unknown: List[Dict[str, Any]] = []
    missing: List[str] = []
    for o in outcomes:
        bucket = met if o.result is True else not_met if o.result is False else unknown
        entry = _entry(o, values)
        if o.result is None:
            fields = list(dict.fromkeys(leaf.field for leaf in o.unknown_leaves()))
            entry["missing"] = fields
            missing.extend(fields)
        bucket.append(entry)
    out = dict(_header(policy))
    out.update({
        "status": status, "status_label": STATUS_LABEL[status], "met": met, "not_met": not_met, "unknown": unknown,
        "benefit": estimate(policy, values, policies.catalogue),
        "window": dict(zip(("state", "windows"), policy.window_info(today))),
        "_missing": list(dict.fromkeys(missing)),
    })
    return out


def _header(policy: Policy) -> Dict[str, Any]:
    cached = policy.cache.get("header")
    if cached is None:
        doc = policy.doc
        cached = {"policy_id": policy.id, "title": doc.title, "category": doc.category, "audience": policy.audience,
                  "handling": policy.handling, "conditions_complete": doc.conditions_complete}
        if not doc.conditions_complete:
            cached["note"] = "政策条件可能未完整列出，结果仅供参考，请以主管部门通知为准。"
        policy.cache["header"] = cached
    return cached


def next_question(results: List[Dict[str, Any]], policies: PolicySet) -> Optional[Dict[str, Any]]:
    """The field whose answer bears on the largest possible benefit: the sum, over the policies that still
    need information and miss this field, of what each can give (the estimate, else the stated maximum;
    amount_wan). Ties (policies without a stated amount, fields missing from the same policies): the field
    that bears on the most policies, then the one its policies name first, then the name. A field shared by many candidates carries their sum,
    so the questions that settle most (the district, the revenue) still come first for a new user; once
    those are known, the questions of the most valuable policies come before those of small ones."""
    settles: Dict[str, List[str]] = defaultdict(list)
    worth: Dict[str, float] = defaultdict(float)
    top: Dict[str, Tuple[float, str]] = {}
    place: Dict[str, int] = {}  # how early the field comes in a policy's conditions (有没有平台 before 平台投入)
    for r in results:
        if r["status"] != "needs_information":
            continue
        value = amount_wan(r)
        for i, name in enumerate(r["_missing"]):
            settles[name].append(r["policy_id"])
            worth[name] += value
            place[name] = min(place.get(name, i), i)
            if name not in top or value > top[name][0]:
                top[name] = (value, r["title"])
    if not settles:
        return None
    ranked = sorted(settles, key=lambda f: (-worth[f], -len(settles[f]), place[f], f))
    best = ranked[0]
    spec = policies.catalogue.get(best)
    text = None
    for r in results:
        for entry in r["unknown"]:
            if best in entry.get("missing", []) and len(entry["fields"]) == 1:
                text = entry["text"]
                break
        if text:
            break
    return {
        "field": best,
        "question": spec.question(text) if spec else "请问您的具体情况是怎样的？",
        "label": spec.label if spec else best,
        "type": spec.kind if spec else "enum",
        "unit": spec.shown_unit if spec else None,
        "examples": list(spec.examples) if spec else [],
        "titles": dict(spec.titles) if spec else {},
        "policies": settles[best],
        "settles_count": len(settles[best]),
        "benefit_wan": round(worth[best], 2),
        "top_benefit_wan": round(top[best][0], 2),
        "top_policy": top[best][1],
        "then": ranked[1:4],
    }


def match(policies: PolicySet, values: Mapping[str, Any], filters: Filters, today: dt.date) -> Dict[str, Any]:
    results = []
    for policy in policies.policies.values():
        doc = policy.doc
        if filters.policy_ids and policy.id not in filters.policy_ids:
            continue
        if filters.audience and policy.audience != filters.audience:
            continue
        if filters.category and doc.category != filters.category:
            continue
        if filters.handling and policy.handling != filters.handling:
            continue
        if filters.window_open and policy.window_info(today)[0] == "closed":
            continue
        results.append(match_policy(policy, values, policies, today))
    order = {"eligible": 0, "needs_information": 1, "not_eligible": 2}
    results.sort(key=lambda r: (order[r["status"]], -(r["benefit"].get("estimate_wan") or 0), r["policy_id"]))
    question = next_question(results, policies)
    for r in results:
        r.pop("_missing")
    counts = {s: sum(1 for r in results if r["status"] == s) for s in order}
    return {"summary": counts, "results": results, "next_question": question}


def amount_wan(result: Mapping[str, Any]) -> float:
    """The benefit in 万元 by which results are shown: the estimate, else the stated maximum; 0 when unknown."""
    benefit = result.get("benefit") or {}
    value = benefit.get("estimate_wan") or benefit.get("max_amount_wan") or 0
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else 0.0


BRIEF_KEYS = ("policy_id", "title", "category", "audience", "handling", "status", "status_label", "benefit", "window")
COMPACT_PENDING = 3  # policies that still need information, shown with their conditions (cards)


def compact(answer: Dict[str, Any], shown: int, every_detail: bool = False) -> Dict[str, Any]:
    """What a conversation turn needs of a match, instead of every policy with its checklist: the counts,
    the next question, every eligible policy in brief (title, handling, benefit: largest first) and the
    conditions of the few shown as cards (the first ``shown`` eligible, then up to 3 that still need
    information, largest benefit first), or of every policy when ``every_detail`` (a match the caller
    restricted to named policies, e.g. one policy's checklist)."""
    results: List[Dict[str, Any]] = answer["results"]
    eligible = sorted((r for r in results if r["status"] == "eligible"), key=amount_wan, reverse=True)
    if every_detail:
        details = results
    else:
        pending = sorted((r for r in results if r["status"] == "needs_information"), key=amount_wan, reverse=True)
        details = eligible[:shown] + pending[:COMPACT_PENDING]
    return {"view": "compact", "summary": answer["summary"], "next_question": answer["next_question"],
            "eligible": [{k: r.get(k) for k in BRIEF_KEYS} for r in eligible], "results": details}
