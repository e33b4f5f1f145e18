"""How answers read in Chinese: the concise answer, the citation line, the whole passage, the quick replies.

An answer shows the sentence or sentences of the best passage that answer the question
(:func:`search.concise.shown`), then the citation. When that is only part of the passage, the whole
passage travels in the message's custom JSON (``passage``): the web chat shows it under “查看原文”. Channels
that show text only (WeChat) get a line ``原文：<address>`` with the citation's source page instead.
When the cited document has been replaced or its window has ended, one sentence after the answer says so
(:func:`knowledge.freshness.notice`), in every channel: it is part of the text.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Dict, List, Optional

from knowledge.freshness import notice
from search.concise import shown
from search.types import Answer, Citation

NOT_FOUND = "抱歉，我在现有政策里没有找到相关内容。您可以换个说法，或者说“转人工”由工作人员为您解答。"
SOURCE_PREFIX = "原文："


def citation_line(c: Citation) -> str:
    return c.line()


def citation_payload(c: Citation) -> Dict[str, Any]:
    return {"type": "citation", "doc_id": c.doc_id, "title": c.title, "article": c.article,
            "issuer": c.issuer, "source_url": c.source_url, "source_date": c.source_date}


def answer_message(answer: Answer, today: Optional[dt.date] = None) -> Dict[str, Any]:
    """The message for one answer: the FAQ answer verbatim when it matched, else the part of the best passage
    that answers, with the whole passage behind it; a document out of date (on `today`, the real date when
    None) says so right after the answer."""
    found = shown(answer)
    if found is None:
        return {"text": NOT_FOUND}
    stale = notice(found.citation.validity, today or dt.date.today())
    lines = [found.text, *([stale] if stale else []), citation_line(found.citation)]
    custom: Dict[str, Any] = {"citations": [citation_payload(found.citation)]}
    if stale:
        custom["notice"] = stale
    if found.passage is not None:
        custom["passage"] = found.passage
        if found.citation.source_url:
            lines.append(SOURCE_PREFIX + found.citation.source_url)
    return {"text": "\n".join(lines), "json_message": custom, "buttons": follow_up_buttons()}


def follow_up_buttons() -> List[Dict[str, str]]:
    return [
        {"title": "需要什么材料", "payload": "需要什么材料"},
        {"title": "我能申请吗", "payload": "/check_eligibility"},
        {"title": "一键申报", "payload": "/apply"},
    ]
