"""The operator's helper on a live call (12345 console): ranked answers with their citations and the policy's
conditions in plain words, a quick eligibility check of a USCC or ID number (audited, with the operator's
reason), and work orders (工单) drawn from a conversation.

The answers come from the same knowledge search the assistant answers with (``search.base``: FAQ match,
hybrid passage search), loaded once per process on the first question (``Settings.index_dir``)."""

from __future__ import annotations

import re
from typing import Any, Dict, List, Optional

from eligibility.context import Context
from eligibility.errors import AppError, invalid, not_found
from eligibility.profiles.store import load_profile
from eligibility.rules.model import Cond, Node
from eligibility.rules.policies import Policy
from eligibility.services import audit, feedback
from eligibility.services.matching import Filters, match
from eligibility.services.profiles import checked_id, display_id, profile_view
from knowledge.freshness import notice
from search.base import KnowledgeBase, load_knowledge_base
from search.types import Citation

ANSWERS = 5  # suggestions shown, one per document
SEARCH_DEPTH = 30  # passages searched to find that many distinct documents
KIND_LABEL = {"enterprise": "企业", "citizen": "个人"}
WINDOW_LABEL = {"open": "申报中", "closed": "当前不在申报期", "unknown": "申报时间以主管部门通知为准"}
UNLISTED = "政策条件未完整列出，请以主管部门通知为准"
FAQ_CHUNK = re.compile(r"^问：(?P<q>.+?)\s*答：(?P<a>.+)$", re.S)  # how index_builder writes a FAQ entry as a passage
CITED = re.compile(r"依据：《(?P<title>[^》]+)》")  # the citation line of the assistant's answers
QUESTION = re.compile(r"[？?]|怎么|如何|什么|哪些|哪里|哪个|能不能|可不可以|能否|是否|吗|多少|多久|需要")
ASKING_FOR_A_PERSON = re.compile(r"转人工|人工客服|人工服务|人工|客服|投诉|我要|我想|请|帮我|找|转|你好|您好|[\s，。！!,.？?]")


# ---- answer suggestions ----------------------------------------------------------------------------

def knowledge_base(ctx: Context) -> KnowledgeBase:
    """The index of ``Settings.index_dir``, loaded on first use and kept (reloaded after a rebuild)."""
    try:
        return load_knowledge_base(ctx.settings.index_dir)
    except (OSError, ValueError, KeyError) as exc:
        raise AppError(503, "knowledge_unavailable", "知识库暂不可用，请稍后再试或联系管理员。",
                       f"the search index at {ctx.settings.index_dir} could not be loaded: {type(exc).__name__}") from exc


def condition_text(node: Node) -> str:
    """A condition in plain words, as the policy states it (with the case it applies to, if any)."""
    if isinstance(node, Cond):
        return node.text + (f"（适用于{node.applies_if.text}）" if node.applies_if is not None else "")
    return node.label


def policy_brief(policy: Policy) -> Dict[str, Any]:
    doc = policy.doc
    return {"policy_id": policy.id, "title": doc.title, "handling": policy.handling,
            "conditions": [condition_text(n) for n in policy.conditions],
            "conditions_complete": doc.conditions_complete, "benefit": doc.benefit.text}


def _citation(c: Citation) -> Dict[str, Any]:
    return {"issuer": c.issuer, "date": c.source_date or None, "url": c.source_url or None, "article": c.article,
            "text": c.line(with_url=True)}  # the bot's citation line, with the link an operator can read out


def _suggestion(ctx: Context, kind: str, text: str, citation: Citation, score: float) -> Dict[str, Any]:
    asked = None
    found = FAQ_CHUNK.match(text) if kind == "passage" else None
    if found:  # a FAQ entry found as a passage: its answer, and the question it answers
        asked, text = found.group("q").strip(), found.group("a").strip()
    cite = _citation(citation)
    policy = ctx.policies.get(citation.doc_id)
    stale = notice(citation.validity, ctx.today())  # replaced, or its window has ended: the bot says so too
    return {"kind": kind, "text": text, "matched_question": asked, "doc_id": citation.doc_id,
            "title": citation.title, "citation": cite, "score": round(float(score), 4),
            "policy": policy_brief(policy) if policy is not None and policy.conditions else None,
            "notice": stale, "copy_text": "\n".join([text, *([stale] if stale else []), cite["text"]])}


def suggest(ctx: Context, question: str) -> Dict[str, Any]:
    """Up to ANSWERS answers, one per document, best first: the curated FAQ answer when one fits, then the
    best passage of each further document."""
    question = question.strip()
    if not question:
        raise invalid("empty_question", "请输入来电人的问题。", "question is empty")
    found = knowledge_base(ctx).ask(question, k=SEARCH_DEPTH)
    out: List[Dict[str, Any]] = []
    if found.faq is not None:
        out.append(_suggestion(ctx, "faq", found.faq.answer, found.faq.citation, found.faq.score))
    seen = {a["doc_id"] for a in out}
    for hit in found.hits:
        if len(out) >= ANSWERS:
            break
        if hit.doc_id not in seen:
            seen.add(hit.doc_id)
            out.append(_suggestion(ctx, "passage", hit.text, hit.citation, hit.score))
    for rank, answer in enumerate(out, 1):
        answer["rank"] = rank
    return {"question": question, "answers": out}


# ---- quick eligibility check -------------------------------------------------------------------------

def _checked(r: Dict[str, Any]) -> Dict[str, Any]:
    reasons = {"eligible": [], "needs_information": [e["text"] for e in r["unknown"]] or [r.get("note") or UNLISTED],
               "not_eligible": [e["text"] for e in r["not_met"]]}[r["status"]]
    return {"policy_id": r["policy_id"], "title": r["title"], "handling": r["handling"],
            "benefit": r["benefit"]["text"], "estimate_wan": r["benefit"]["estimate_wan"],
            "window": WINDOW_LABEL.get(r["window"]["state"], WINDOW_LABEL["unknown"]), "reasons": reasons}


def quick_check(ctx: Context, raw_id: str, reason: Optional[str], actor: str) -> Dict[str, Any]:
    """The subject's policies by status, from its data account. Every look-up is written to the audit log
    with the operator and the reason, found or not; an invalid number is refused before any look-up."""
    reason = (reason or "").strip()
    if len(reason) < 2:
        raise invalid("reason_required", "请填写查询事由（至少2个字），查询会记入审计日志。",
                      "a quick check needs a reason of at least 2 characters")
    pid = checked_id(raw_id)
    ps = ctx.policies
    with ctx.db.write() as conn:
        profile = load_profile(conn, pid, ps.catalogue)
        audit.record(conn, ctx, actor, "console.quick_check", "profile", display_id(pid), subject_id=pid,
                     reason=reason, after={"found": profile is not None})
    if profile is None:
        raise not_found("该主体的数据账户", display_id(pid), "profile_not_found")
    today = ctx.today()
    result = match(ps, profile.values(today), Filters(audience=profile.kind), today)
    shown = profile_view(profile, ps.catalogue, today)
    groups: Dict[str, List[Dict[str, Any]]] = {"eligible": [], "needs_information": [], "not_eligible": []}
    for r in result["results"]:
        groups[r["status"]].append(_checked(r))
    return {"subject": {"id": shown["id"], "kind": profile.kind, "kind_label": KIND_LABEL[profile.kind],
                        "name": shown["name"]},
            "summary": result["summary"], **groups}


# ---- work orders ------------------------------------------------------------------------------------

def _only_asks_for_a_person(text: str) -> bool:
    return len(ASKING_FOR_A_PERSON.sub("", text)) <= 1


def main_question(transcript: List[Dict[str, Any]]) -> Optional[str]:
    """The user's main question: the first message that asks something, else the first substantive one
    (not a request for a person, not a bare number or code, not a button's payload)."""
    said = [str(m.get("text") or "").strip() for m in transcript if m.get("role") == "user"]
    substantive = [s for s in said if len(s) >= 4 and not s.startswith("/") and not _only_asks_for_a_person(s)
                   and not re.fullmatch(r"[\d\s*XxＸ]+", s)]
    asking = [s for s in substantive if QUESTION.search(s)]
    found = asking or substantive
    return found[0] if found else None


def _policy_by_title(ctx: Context, title: str) -> Optional[Policy]:
    for policy in ctx.policies.policies.values():
        if title in (policy.doc.title, policy.doc.short_title):
            return policy
    return None


def draft(ctx: Context, ticket_id: str) -> Dict[str, Any]:
    """A work order drawn from a ticket's conversation: the caller (masked), the main question, the policy
    the assistant cited (else the best match for the question), outcome and next step left to the operator."""
    ticket = feedback.get(ctx, ticket_id)
    transcript: List[Dict[str, Any]] = ticket["transcript"]
    if ticket["kind"] == "handoff" and ticket["status"] != "已办结":
        from eligibility.services import handoffs  # the live part of an open handoff is in Rasa's tracker

        transcript = handoffs.detail(ctx, ticket_id)["transcript"]
    question = main_question(transcript) or re.sub(r"^转人工[:：]?", "", ticket["summary"]).strip() or None
    policy: Optional[Policy] = None
    source = None
    for m in reversed(transcript):
        cited = CITED.search(str(m.get("text") or "")) if m.get("role") == "bot" else None
        policy = _policy_by_title(ctx, cited.group("title")) if cited else None
        if policy is not None:
            source = "cited"
            break
    if policy is None and question:
        try:
            best = suggest(ctx, question)["answers"]
        except AppError:  # no index: the operator names the policy
            best = []
        policy = ctx.policies.get(best[0]["doc_id"]) if best else None
        source = "suggested" if policy is not None else None
    return {"ticket_id": ticket["id"], "conversation_id": ticket["conversation_id"],
            "caller": ticket["profile_id"] or "市民", "question": question,
            "policy_id": policy.id if policy else None, "policy_title": policy.doc.title if policy else None,
            "policy_source": source, "outcome": "", "next_step": "", "contact": None}


def create_work_order(ctx: Context, *, caller: str, question: str, outcome: str, next_step: str, actor: str,
                      policy_id: Optional[str] = None, ticket_id: Optional[str] = None,
                      conversation_id: Optional[str] = None, contact: Optional[str] = None) -> Dict[str, Any]:
    policy_words = None
    if policy_id:
        policy = ctx.policies.get(policy_id)
        if policy is None:
            raise not_found("政策或事项", policy_id, "policy_not_found")
        policy_words = f"{policy.doc.title}（{policy.id}）"
    record = {"caller": caller, "question": question, "policy": policy_words, "outcome": outcome,
              "next_step": next_step}
    return feedback.work_order(ctx, record, actor, source_ticket=ticket_id, conversation_id=conversation_id,
                               contact=contact)
