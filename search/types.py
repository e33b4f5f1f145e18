"""The values the search hands to its callers (action server, eligibility service, console)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping, Optional, Tuple, Union

from knowledge.freshness import Validity

FILTER_FIELDS = ("audience", "category", "issuer", "mode", "kind", "doc_ids")


NO_SOURCE = "未找到官方原文，以主管部门最新通知为准"
UNDATED = ("", "未标注", "未知")  # how the corpus says a source gives no date


@dataclass(frozen=True)
class Citation:
    doc_id: str
    title: str
    issuer: str
    article: str
    source_url: str
    source_date: str
    validity: Validity = Validity()

    def __post_init__(self) -> None:
        if (self.source_date or "").strip() in UNDATED:  # a citation without a date says nothing about the date
            object.__setattr__(self, "source_date", "")

    def line(self, with_url: bool = False) -> str:
        """依据：《title》article（issuer，信息日期 …）: the one way an answer names its source."""
        where = f"《{self.title}》{self.article or ''}"
        if not self.source_url:  # no source page was found for the facts: never dressed up as an official one
            return f"依据：{where}（{self.issuer}；{NO_SOURCE}）"
        when = f"，信息日期 {self.source_date}" if self.source_date else ""
        return f"依据：{where}（{self.issuer}{when}）" + (f" {self.source_url}" if with_url else "")


@dataclass(frozen=True)
class Hit:
    chunk_id: str
    doc_id: str
    text: str
    score: float
    citation: Citation


@dataclass(frozen=True)
class FaqMatch:
    doc_id: str
    question: str
    answer: str
    score: float
    citation: Citation


@dataclass(frozen=True)
class Answer:
    query: str  # as searched, after rewriting
    faq: Optional[FaqMatch]
    hits: list[Hit] = field(default_factory=list)


def _as_tuple(value: Union[None, str, Any]) -> Optional[Tuple[str, ...]]:
    if value is None:
        return None
    if isinstance(value, str):
        return (value,)
    return tuple(str(v) for v in value)


@dataclass(frozen=True)
class Filters:
    """Keep only chunks whose document matches every given field (a field given as a list matches any)."""

    audience: Optional[Tuple[str, ...]] = None
    category: Optional[Tuple[str, ...]] = None
    issuer: Optional[Tuple[str, ...]] = None
    mode: Optional[Tuple[str, ...]] = None
    kind: Optional[Tuple[str, ...]] = None
    doc_ids: Optional[Tuple[str, ...]] = None

    @classmethod
    def of(cls, value: Union[Filters, Mapping[str, Any], None]) -> Optional[Filters]:
        """Filters from a dict such as ``{"audience": "enterprise", "mode": ["秒批", "免申即享"]}``."""
        if value is None or isinstance(value, Filters):
            return value
        unknown = set(value) - set(FILTER_FIELDS)
        if unknown:
            raise ValueError(f"unknown filter field(s) {sorted(unknown)}; known: {FILTER_FIELDS}")
        made = cls(**{k: _as_tuple(v) for k, v in value.items()})
        return None if made.empty() else made

    def empty(self) -> bool:
        return all(getattr(self, name) is None for name in FILTER_FIELDS)

    def accepts(self, meta: Mapping[str, Any]) -> bool:
        """True when the document metadata (doc_id, audience, category, ...) passes every field."""
        for name in FILTER_FIELDS:
            wanted = getattr(self, name)
            if wanted is None:
                continue
            key = "doc_id" if name == "doc_ids" else name
            if str(meta.get(key, "")) not in wanted:
                return False
        return True
