"""Reading the eligibility service's match answer, and saying it in plain Chinese."""

from __future__ import annotations

from typing import Any, Dict, List, Optional

MARK = {"met": "✓", "not_met": "✗", "unknown": "？"}
HANDLING_NOTE = {"秒批": "，可秒批", "免申即享": "，免申即享，无需申请"}
STATUS_WORDS = {"eligible": "符合条件", "not_eligible": "暂不符合", "needs_information": "还需补充信息"}


def results(match: Dict[str, Any]) -> List[Dict[str, Any]]:
    """The results with their conditions: every policy in the full view; in the compact view (what a
    conversation turn asks for) the few shown as cards, or every policy of a match restricted to some."""
    return list(match.get("results") or [])


def next_question(match: Dict[str, Any]) -> Optional[Dict[str, Any]]:
    q = match.get("next_question")
    return q if q and q.get("field") else None


def detailed(match: Dict[str, Any], status: str) -> List[Dict[str, Any]]:
    """The results of one status that carry their conditions."""
    return [r for r in results(match) if r.get("status") == status]


def by_status(match: Dict[str, Any], status: str) -> List[Dict[str, Any]]:
    """Every policy of one status; the compact view lists every eligible one in brief."""
    if status == "eligible" and "eligible" in match:
        return list(match.get("eligible") or [])
    return detailed(match, status)


def count(match: Dict[str, Any], status: str) -> int:
    summary = match.get("summary") or {}
    return int(summary[status]) if isinstance(summary.get(status), int) else len(by_status(match, status))


def benefit_text(result: Dict[str, Any]) -> str:
    estimate = amount(result)
    return f"预计最高 {estimate:g} 万元" if estimate > 0 else "金额以主管部门最新通知为准"


def conditions_lines(result: Dict[str, Any]) -> List[str]:
    """✓ met, ✗ not met, ？ unknown: one line per condition, in that order."""
    lines = []
    for status in ("met", "not_met", "unknown"):
        for c in result.get(status) or []:
            note = f"（{c['note']}）" if c.get("note") else ""
            lines.append(f"{MARK[status]} {c.get('text')}{note}")
    return lines


def options(question: Dict[str, Any]) -> List[str]:
    return [str(o) for o in (question.get("options") or question.get("examples") or [])]


def question_text(question: Dict[str, Any]) -> str:
    """The question as the bot asks it; one that bears on a single policy says which, and what it may give
    (the questions come largest possible benefit first, so the user sees why this one now)."""
    asked = str(question.get("question") or question.get("text") or "")
    top, title = question.get("top_benefit_wan"), question.get("top_policy")
    if question.get("settles_count") == 1 and title and isinstance(top, (int, float)) and top > 0:
        return f"下面核对《{title}》（最高 {top:g} 万元）。\n{asked}"
    return asked


def question_buttons(question: Dict[str, Any]) -> List[Dict[str, str]]:
    kind = question.get("type")
    if kind == "bool":
        return [{"title": "是", "payload": "是"}, {"title": "否", "payload": "否"}]
    choices = options(question)
    if kind in ("enum", "list") and choices:
        titles = question.get("titles") or {}
        buttons = [{"title": str(titles.get(o, o)), "payload": o} for o in choices[:8]]
        if kind == "list":
            buttons.append({"title": "都没有", "payload": "都没有"})
        elif len(choices) >= 3:  # "申报的项目属于哪一类？": a way out for whom none of them fits
            buttons.append({"title": NONE_OF_THEM, "payload": NONE_OF_THEM})
        return buttons
    return []


NONE_OF_THEM = "都不是"
OTHER = "其他"  # the value "都不是" gives an enum field: none of the listed ones, so those conditions are not met


SHOWN = 5  # eligible policies listed in the summary; "查看全部" lists the rest


def full_list_text(match: Dict[str, Any]) -> str:
    eligible = sorted(by_status(match, "eligible"), key=amount, reverse=True)
    if not eligible:
        return "根据目前的信息，暂时没有找到您能申请的政策。"
    lines = [f"您符合条件的政策共 {len(eligible)} 项："]
    lines += [f"{i}. {r.get('title')}（{benefit_text(r)}{HANDLING_NOTE.get(r.get('handling') or '', '')}）"
              for i, r in enumerate(eligible, 1)]
    return "\n".join(lines)


def summary_text(match: Dict[str, Any], limit: int = SHOWN) -> str:
    eligible = by_status(match, "eligible")
    pending = count(match, "needs_information")
    if not eligible and not pending:
        return "根据目前的信息，暂时没有找到您能申请的政策。信息有变化时告诉我，我再帮您查。"
    lines = []
    if eligible:
        lines.append(f"根据您的信息，以下 {len(eligible)} 项政策您符合条件：")
        for i, r in enumerate(sorted(eligible, key=amount, reverse=True)[:limit], 1):
            lines.append(f"{i}. {r.get('title')}（{benefit_text(r)}{HANDLING_NOTE.get(r.get('handling') or '', '')}）")
        if len(eligible) > limit:
            lines.append(f"……另有 {len(eligible) - limit} 项，可以说“查看全部”。")
    if pending:
        lines.append(f"另有 {pending} 项还需补充信息才能判断。" + next_step_text(match))
    return "\n".join(lines)


# Going on with the questions: "/find_policies" starts matching again (answers given are kept); the title
# tells the form that the user asked for more questions (actions/matching.asked_for_more), so a verified
# profile that already qualifies for something is asked too instead of being shown its matches again.
MORE_TITLE = "好的，接着问"
MORE_BUTTON = {"title": MORE_TITLE, "payload": "/find_policies"}
NOT_NOW_BUTTON = {"title": "先不用", "payload": "/deny"}


def next_step_text(match: Dict[str, Any]) -> str:
    """After "还需补充信息": the most valuable policy still open and the offer to ask on, one question at a
    time, the largest possible benefit first; empty when nothing is left to ask."""
    question = next_question(match)
    if question is None:
        return ""
    top, title = question.get("top_benefit_wan"), question.get("top_policy")
    best = f"其中金额最高的是《{title}》，最高 {top:g} 万元。" if isinstance(top, (int, float)) and top > 0 and title \
        else ""
    return f"{best}想继续核对的话，请点“{MORE_TITLE}”，我一次问一个问题，先从金额大的问起。"


def next_step_buttons(match: Dict[str, Any]) -> List[Dict[str, str]]:
    return [dict(MORE_BUTTON)] if count(match, "needs_information") and next_question(match) else []


def value_text(value: Any, unit: Optional[str] = None) -> str:
    """A value as the bot repeats it: its unit after a number (610 万元, 80 人, 12 个月), 是/否, lists with 、."""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, list):
        return "、".join(map(str, value)) or "无"
    if isinstance(value, (int, float)):
        return f"{value:g} {unit}" if unit else f"{value:g}"
    return f"{value} {unit}" if unit and str(value).replace(".", "", 1).isdigit() else str(value)


def amount(result: Dict[str, Any]) -> float:
    """The benefit estimate in 万元 (the stated maximum when nothing finer is known); 0 when unknown."""
    benefit = result.get("benefit") or {}
    value = benefit.get("estimate_wan") or benefit.get("max_amount_wan") or 0
    return float(value) if isinstance(value, (int, float)) else 0.0


def card_item(result: Dict[str, Any]) -> Dict[str, Any]:
    """One policy of a match, compact, for channels that draw cards: status, handling, benefit and each
    condition with its state (met / not_met / unknown)."""
    return {"policy_id": result.get("policy_id"), "title": result.get("title"), "status": result.get("status"),
            "handling": result.get("handling"), "benefit": benefit_text(result),
            "conditions": [{"state": state, "text": c.get("text"), "note": c.get("note")}
                           for state in ("met", "not_met", "unknown") for c in result.get(state) or []]}


def card_items(match: Dict[str, Any], limit: int = SHOWN) -> List[Dict[str, Any]]:
    """The eligible policies (largest benefit first), then those that still need information."""
    eligible = sorted(detailed(match, "eligible"), key=amount, reverse=True)[:limit]
    pending = sorted(detailed(match, "needs_information"), key=amount, reverse=True)[:3]
    return [card_item(r) for r in eligible + pending]


def checklist_text(result: Dict[str, Any]) -> str:
    head = f"《{result.get('title')}》的条件，逐条对照您的情况："
    verdict = STATUS_WORDS.get(result.get("status", ""), "")
    tail = {"eligible": f"结论：您{verdict}，{benefit_text(result)}。可以直接一键申报。",
            "not_eligible": "结论：按目前信息暂不符合（✗ 项）。如信息有误，直接告诉我正确的情况。",
            "needs_information": "结论：还差带“？”的信息，告诉我就能判断。"}.get(result.get("status", ""), "")
    return "\n".join([head, *conditions_lines(result), tail])
