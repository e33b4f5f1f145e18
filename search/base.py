"""The knowledge base the action server and the eligibility service ask: search + FAQ + follow-ups."""

from __future__ import annotations

import threading
from dataclasses import replace
from pathlib import Path
from typing import Dict, List, Optional, Set, Tuple

from search.defaults import FAQ_DOC_DEPTH, FAQ_THRESHOLD, TOP_K
from search.faq import FaqMatcher
from search.followup import NameIndex, rewrite
from search.hybrid import HybridRetriever
from search.index import LoadedIndex, load_index
from search.query import homophones_of, searched
from search.types import Answer, Citation, FaqMatch, Filters, Hit

# A question is searched by its first MAX_QUESTION_CHARS characters: ordinary questions are far shorter (the
# evaluation sets' longest is under 200), and a pasted page is answered from its beginning in bounded time
# (bench/bench_hostile.py: the whole search stays linear in the length, about 20 ms at this size).
MAX_QUESTION_CHARS = 1000


class KnowledgeBase:
    def __init__(self, index: LoadedIndex):
        self.index = index
        index.analyzer.warm()  # jieba's dictionary now, not on the first question
        self.retriever = HybridRetriever(index)
        self.faq = FaqMatcher(index.faq, index.faq_vectors)
        self.names = NameIndex(index.docs)
        self.homophones = homophones_of(index)
        self.threshold = float(index.settings.get("faq_threshold", FAQ_THRESHOLD))

    def ask(self, question: str, context_doc_id: Optional[str] = None, filters: Optional[dict] = None,
            k: int = TOP_K) -> Answer:
        """Hits for the question (rewritten when it is a follow-up), and a curated answer when one fits.

        Only the first ``MAX_QUESTION_CHARS`` characters of a longer question are read."""
        question = (question or "").strip()[:MAX_QUESTION_CHARS].strip()
        if not question:
            return Answer(query="", faq=None, hits=[])
        flt = Filters.of(filters)
        context = self.index.docs[self.index.doc_row[context_doc_id]] if context_doc_id in self.index.doc_row else None
        rw = rewrite(question, context, self.names)
        focus = context.doc_id if context is not None and (rw.follow_up or rw.named == context.doc_id) else None
        hits = self._search(question, searched(rw.query, self.homophones), k, flt, focus)
        top_docs = {h.doc_id for h in hits[:FAQ_DOC_DEPTH]}
        return Answer(query=rw.query, faq=self._faq(question, flt, focus, rw.named, top_docs), hits=hits)

    def _search(self, question: str, query: str, k: int, flt: Optional[Filters], focus: Optional[str]) -> List[Hit]:
        """Hits for `query`; with a focus document, its chunks ranked by the question itself come first."""
        if focus is None:
            return self.retriever.search_ex(query, k, flt)
        inside = self.retriever.search_ex(question, k, replace(flt or Filters(), doc_ids=(focus,)))
        seen = {h.chunk_id for h in inside}
        outside = [h for h in self.retriever.search_ex(query, k, flt) if h.chunk_id not in seen]
        return (inside + outside)[:k]

    def _faq(self, question: str, flt: Optional[Filters], focus: Optional[str], named: Optional[str],
             top_docs: Set[str]) -> Optional[FaqMatch]:
        allowed: Optional[Set[str]] = {focus} if focus else ({named} if named else top_docs)
        if flt is not None:
            mask = self.index.doc_mask(flt)
            ok = {d.doc_id for d, keep in zip(self.index.docs, mask) if keep} if mask is not None else None
            allowed = allowed & ok if ok is not None and allowed is not None else allowed
        if not allowed:
            return None
        implied = self.index.docs[self.index.doc_row[focus]].names() if focus else []
        found = self.faq.best(question, self.index.embedder.encode([question])[0], allowed, implied,
                              self.index.embedder.encode)
        if found is None or found[1] < self.threshold:
            return None
        entry, score = found
        meta = self.index.docs[self.index.doc_row[entry.doc_id]]
        citation = Citation(doc_id=meta.doc_id, title=meta.title, issuer=meta.issuer, article="常见问题",
                            source_url=meta.source_url, source_date=meta.source_date, validity=meta.validity)
        return FaqMatch(doc_id=entry.doc_id, question=entry.question, answer=entry.answer, score=score,
                        citation=citation)


_CACHE: Dict[Tuple[str, float], KnowledgeBase] = {}
_LOCK = threading.Lock()


def load_knowledge_base(index_dir: Path = Path("var/index")) -> KnowledgeBase:
    """The knowledge base of the index in index_dir, loaded once per process (again after a rebuild)."""
    path = Path(index_dir).resolve()
    manifest = path / "manifest.json"
    key = (str(path), manifest.stat().st_mtime if manifest.exists() else 0.0)
    with _LOCK:
        if key not in _CACHE:
            _CACHE.clear()
            _CACHE[key] = KnowledgeBase(load_index(path))
        return _CACHE[key]
