"""Evaluation queries and their relevant documents and passages."""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from typing import Any, List, Mapping, Optional, Sequence, Set

from search.faq import bigram_set
from search.records import Chunk
from search.textproc import normalise


@dataclass(frozen=True)
class Query:
    qid: str
    query: str
    relevant: frozenset  # document ids
    answer: Optional[str] = None


def load_queries(path: Path) -> List[Query]:
    out = []
    for n, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        raw = json.loads(line)
        ids = raw.get("relevant_ids") or ([raw["docid"]] if raw.get("docid") else [])
        if not raw.get("query") or not ids:
            raise ValueError(f"{path}:{n}: a query needs `query` and `docid` or `relevant_ids`")
        answer = (raw.get("answer") or "").strip() or None
        out.append(Query(str(raw.get("qid", n)), raw["query"], frozenset(str(i) for i in ids), answer))
    if not out:
        raise ValueError(f"{path}: no queries")
    return out


@lru_cache(maxsize=1)
def _s2t() -> Any:
    import opencc

    return opencc.OpenCC("s2t.json")


def traditional(text: str) -> str:
    """`text` in traditional characters (OpenCC s2t), as people in Hong Kong, Macao and Taiwan type it; the
    text itself when the conversion would change its length (annotated spans must stay valid)."""
    out = str(_s2t().convert(text))
    return out if len(out) == len(text) else text


def in_traditional(queries: Sequence[Query]) -> List[Query]:
    """The same queries in traditional characters. Answers stay: they are spans of the (simplified) corpus."""
    return [replace(q, query=traditional(q.query)) for q in queries]


def relevant_passages(query: Query, chunks_by_doc: Mapping[str, Sequence[Chunk]], texts: Mapping[str, str]) -> Set[str]:
    """The chunks of the relevant documents that contain the answer span.

    With character spans (plain-text sources) the answer is located in the document and the chunks whose
    span holds it all are relevant; when it straddles two chunks, the one with the largest share of it.
    Without spans, chunks whose text contains the answer, else the one sharing most answer bigrams.
    """
    assert query.answer is not None
    answer = query.answer.strip()
    out: Set[str] = set()
    for doc_id in query.relevant:
        chunks = chunks_by_doc.get(doc_id, ())
        text = texts.get(doc_id, "")
        pos = text.find(answer) if text else -1
        if pos >= 0 and chunks and chunks[0].start >= 0:
            end = pos + len(answer)
            inside = {c.chunk_id for c in chunks if c.start <= pos and end <= c.end}
            out |= inside or {max(chunks, key=lambda c: min(end, c.end) - max(pos, c.start)).chunk_id}
            continue
        want = normalise(answer)
        inside = {c.chunk_id for c in chunks if want in normalise(c.text)}
        if not inside and chunks:
            grams = bigram_set(answer)
            inside = {max(chunks, key=lambda c: len(grams & bigram_set(c.text))).chunk_id}
        out |= inside
    return out
