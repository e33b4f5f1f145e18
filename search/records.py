"""What the index stores per document and per chunk (written by index_builder, read by the search)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Dict, List, Tuple

from knowledge.freshness import Validity
from search.types import Citation


@dataclass(frozen=True)
class DocMeta:
    doc_id: str
    title: str
    issuer: str = ""
    category: str = ""
    audience: str = ""
    mode: str = ""
    kind: str = ""
    short_title: str = ""
    aliases: Tuple[str, ...] = ()
    source_url: str = ""
    source_date: str = ""
    validity: Validity = Validity()

    def names(self) -> List[str]:
        """Every name the document goes by, longest first."""
        names = {n for n in (self.title, self.short_title, *self.aliases) if n}
        return sorted(names, key=lambda n: (-len(n), n))

    def to_json(self) -> Dict[str, Any]:
        out = asdict(self)
        out["aliases"] = list(self.aliases)
        return out

    @classmethod
    def from_json(cls, raw: Dict[str, Any]) -> DocMeta:
        return cls(**{**raw, "aliases": tuple(raw.get("aliases", ())), "validity": Validity(**raw.get("validity") or {})})


@dataclass(frozen=True)
class Chunk:
    """One passage: a piece of one article (or of the text under one heading) of one document."""

    chunk_id: str
    doc_id: str
    title: str
    heading: str  # heading path inside the document, " > " between levels ("" when none)
    article: str  # what a citation names: the article heading, or 第N段 for unstructured text
    text: str  # the passage as shown to a user
    start: int = -1  # character span in the source text, for plain-text sources
    end: int = -1
    tags: Tuple[str, ...] = field(default=())  # e.g. ("faq",) for a question-and-answer chunk
    names: str = ""  # the document's other names (short title, aliases), searched with every chunk

    def indexed_text(self) -> str:
        """What is searched: the passage with its document's title and names and its heading path."""
        return " ".join(p for p in (self.title, self.names, self.heading, self.text) if p)

    def citation(self, meta: DocMeta) -> Citation:
        return Citation(doc_id=self.doc_id, title=meta.title, issuer=meta.issuer, article=self.article,
                        source_url=meta.source_url, source_date=meta.source_date, validity=meta.validity)

    def to_json(self) -> Dict[str, Any]:
        out = asdict(self)
        out["tags"] = list(self.tags)
        return out

    @classmethod
    def from_json(cls, raw: Dict[str, Any]) -> Chunk:
        return cls(**{**raw, "tags": tuple(raw.get("tags", ()))})


@dataclass(frozen=True)
class FaqEntry:
    doc_id: str
    question: str
    answer: str

    def to_json(self) -> Dict[str, Any]:
        return asdict(self)
