"""How answers read in Chinese: the cited passage, the citation line, the quick-reply buttons."""

from __future__ import annotations

from typing import Any, Dict, List

from knowledge.types import Answer, Citation

NOT_FOUND = "抱歉，我在现有政策里没有找到相关内容。您可以换个说法，或者说“转人工”由工作人员为您解答。"


def citation_line(c: Citation) -> str:
    article = f"{c.article}" if c.article else ""
    if not c.source_url:  # no source page was found for the facts: never dressed up as an official one
        return f"依据：《{c.title}》{article}（{c.issuer}；未找到官方原文，以主管部门最新通知为准）"
    return f"依据：《{c.title}》{article}（{c.issuer}，信息日期 {c.source_date}）"


def citation_payload(c: Citation) -> Dict[str, Any]:
    return {"type": "citation", "doc_id": c.doc_id, "title": c.title, "article": c.article,
            "issuer": c.issuer, "source_url": c.source_url, "source_date": c.source_date}


def answer_message(answer: Answer) -> Dict[str, Any]:
    """The message for one answer: the FAQ answer verbatim when it matched, else the best passage."""
    if answer.faq is not None:
        body, cite = answer.faq.answer, answer.faq.citation
    elif answer.hits:
        body, cite = answer.hits[0].text, answer.hits[0].citation
    else:
        return {"text": NOT_FOUND}
    return {"text": f"{body}\n{citation_line(cite)}", "json_message": {"citations": [citation_payload(cite)]},
            "buttons": follow_up_buttons()}


def follow_up_buttons() -> List[Dict[str, str]]:
    return [
        {"title": "需要什么材料", "payload": "需要什么材料"},
        {"title": "我能申请吗", "payload": "/check_eligibility"},
        {"title": "一键申报", "payload": "/apply"},
    ]
