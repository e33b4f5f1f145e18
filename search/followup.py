"""Follow-up questions: "那需要什么材料？" means the policy the conversation is about.

A question that names no policy and looks like a follow-up (starts with 那/这个/该…, or asks only
about materials, how to apply, amounts, dates, conditions…) is searched together with the current
document's title, and that document's chunks get priority.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable, List, Optional, Tuple

from search.records import DocMeta
from search.textproc import normalise

FOLLOW_UP_START = re.compile(r"^(那|那么|那个|这个|这项|这|该|它|其|还有|另外|然后|所以|如果|要是|再问)")
ASPECTS = re.compile(
    r"材料|资料|证件|怎么申请|如何申请|怎么办|如何办|怎么报|在哪|哪里|去哪|网上|线上|窗口|流程|步骤|"
    r"多少|几万|金额|标准|补多少|给多少|拿多少|钱|时间|什么时候|何时|截止|期限|多久|几天|"
    r"条件|要求|资格|够不够|能不能|可不可以|可以吗|能申请|符合|谁可以|哪些人|"
    r"电话|咨询|联系|办理|申报|申请|领取|到账|发放|政策依据|文件"
)
ANAPHORA = re.compile(r"这个|这项|该项|此项|这笔|这份|上面|刚才|上述|这补贴|这政策")
MAX_FOLLOW_UP = 24  # characters: longer questions usually carry their own topic


@dataclass(frozen=True)
class Rewrite:
    query: str  # what is searched
    follow_up: bool  # rewritten with the current document
    named: Optional[str]  # the document the question names, if any


class NameIndex:
    """Finds the document a question names by its title, short title or an alias."""

    def __init__(self, docs: Iterable[DocMeta], min_len: int = 3):
        names: List[Tuple[str, str]] = []
        for d in docs:
            names += [(normalise(n), d.doc_id) for n in d.names() if len(n) >= min_len]
        self.names = sorted(names, key=lambda p: (-len(p[0]), p[0]))

    def named(self, question: str) -> Optional[str]:
        text = normalise(question)
        for name, doc_id in self.names:
            if name in text:
                return doc_id
        return None


def looks_like_follow_up(question: str) -> bool:
    text = normalise(question)
    if FOLLOW_UP_START.match(text) or ANAPHORA.search(text):
        return True
    return len(text) <= MAX_FOLLOW_UP and bool(ASPECTS.search(text))


def rewrite(question: str, context: Optional[DocMeta], names: NameIndex) -> Rewrite:
    named = names.named(question)
    if context is None or (named is not None and named != context.doc_id):
        return Rewrite(question, False, named)
    if named == context.doc_id or not looks_like_follow_up(question):
        return Rewrite(question, False, named)
    return Rewrite(f"{context.title} {question}", True, named)
