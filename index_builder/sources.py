"""The two kinds of corpus the builder reads, as one list of sources.

- the project's knowledge directory (one YAML document per file, validated: an invalid corpus raises
  :class:`knowledge.corpus.InvalidCorpus` listing every error);
- a jsonl file of ``{"docid", "text"}`` (evaluation corpora), whose title is the text's first line.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import List, Optional, Tuple

from knowledge.corpus import load_corpus
from knowledge.freshness import validity_of
from knowledge.schema import Document
from search.records import DocMeta

_TITLE = re.compile(r"\s*(\S{4,80}?)\s")


@dataclass(frozen=True)
class Source:
    meta: DocMeta
    document: Optional[Document] = None
    text: Optional[str] = None

    @property
    def doc_id(self) -> str:
        return self.meta.doc_id

    def content(self) -> str:
        """The whole source as one canonical string (what the fingerprint covers)."""
        if self.document is not None:
            return json.dumps(self.document.dict(), ensure_ascii=False, sort_keys=True, default=str)
        return self.text or ""

    def fingerprint(self) -> str:
        return hashlib.sha1(self.content().encode("utf-8")).hexdigest()


def plain_title(text: str) -> Tuple[str, int]:
    """The title of a plain-text document and where its body starts.

    Government notices and news items put the title first, followed by white space; when the text has
    no such first line, its first 40 characters stand for the title and the body starts at 0.
    """
    m = _TITLE.match(text)
    if m:
        return m.group(1), m.end()
    return text.strip()[:40], 0


def meta_of(doc: Document) -> DocMeta:
    return DocMeta(doc_id=doc.id, title=doc.title, issuer=doc.issuer, category=doc.category,
                   audience=doc.audience, mode=doc.mode, kind=doc.kind, short_title=doc.short_title or "",
                   aliases=tuple(doc.aliases), source_url=doc.source_url or "", source_date=doc.source_date,
                   validity=validity_of(doc))


def load_jsonl(path: Path) -> List[Source]:
    sources: List[Source] = []
    seen = set()
    for n, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        raw = json.loads(line)
        doc_id, text = str(raw.get("docid", raw.get("doc_id", ""))), raw.get("text")
        if not doc_id or not isinstance(text, str) or not text.strip():
            raise ValueError(f"{path}:{n}: a line needs a docid and a non-empty text")
        if doc_id in seen:
            raise ValueError(f"{path}:{n}: duplicate docid {doc_id}")
        seen.add(doc_id)
        title, _ = plain_title(text)
        sources.append(Source(meta=DocMeta(doc_id=doc_id, title=title, source_url=raw.get("url", "")), text=text))
    if not sources:
        raise ValueError(f"{path}: no documents")
    return sources


def load_sources(corpus: Path) -> List[Source]:
    """Sources sorted by id; a knowledge directory is validated first (InvalidCorpus lists the errors)."""
    corpus = Path(corpus)
    if corpus.is_file():
        sources = load_jsonl(corpus)
    else:
        sources = [Source(meta=meta_of(doc), document=doc) for doc in load_corpus(corpus).values()]
    return sorted(sources, key=lambda s: s.doc_id)
