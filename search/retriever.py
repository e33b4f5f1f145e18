"""The retriever interface, its FAISS implementation's constructor, and an in-memory one for tests."""

from __future__ import annotations

import math
from collections import Counter
from typing import Callable, Dict, List, Optional, Protocol, Sequence

import numpy as np

from search.defaults import TOP_K, WEIGHTS
from search.fusion import max_normalised, top_rows, weighted
from search.records import Chunk, DocMeta
from search.textproc import Analyzer, BigramAnalyzer
from search.types import Filters, Hit


class Retriever(Protocol):
    def search(self, query: str, k: int = TOP_K, filters: Optional[Filters] = None) -> List[Hit]: ...


def bm25_brute_force(query: Sequence[str], docs: Sequence[Sequence[str]], k1: float = 1.5, b: float = 0.75) -> np.ndarray:
    """Lucene BM25 computed term by term, the reference the index is checked against.

    idf = ln(1 + (N - df + 0.5) / (df + 0.5)); tf part = tf / (tf + k1 (1 - b + b dl / avgdl));
    a query token counts once per occurrence in the query.
    """
    n = len(docs)
    if n == 0:
        return np.zeros(0, dtype=np.float64)
    counts = [Counter(d) for d in docs]
    avgdl = sum(len(d) for d in docs) / n
    df: Counter = Counter()
    for c in counts:
        df.update(c.keys())
    out = np.zeros(n, dtype=np.float64)
    for term in query:
        if df[term] == 0:
            continue
        idf = math.log(1 + (n - df[term] + 0.5) / (df[term] + 0.5))
        for i, c in enumerate(counts):
            tf = c.get(term, 0)
            if tf:
                out[i] += idf * tf / (tf + k1 * (1 - b + b * len(docs[i]) / avgdl))
    return out


class InMemoryRetriever:
    """Brute-force BM25 (+ optional dense cosine from `embed`) over chunks held in memory.

    Same fusion as the FAISS retriever (bigram coverage included) without the document prior; for tests
    and small fixtures.
    """

    def __init__(self, chunks: Sequence[Chunk], docs: Sequence[DocMeta], analyzer: Optional[Analyzer] = None,
                 embed: Optional[Callable[[List[str]], np.ndarray]] = None, k1: float = 0.9, b: float = 0.3,
                 weights: Optional[Dict[str, float]] = None):
        self.chunks = list(chunks)
        self.meta = {d.doc_id: d for d in docs}
        self.analyzer = analyzer or BigramAnalyzer()
        self.tokens = [self.analyzer.tokens(c.indexed_text()) for c in self.chunks]
        self.token_sets = [set(t) for t in self.tokens]
        self.embed = embed
        self.vectors = embed([c.indexed_text() for c in self.chunks]) if embed and self.chunks else None
        self.k1, self.b = k1, b
        self.weights = weights or {name: w for name, w in WEIGHTS.items() if name != "doc"}  # no document prior

    def search(self, query: str, k: int = TOP_K, filters: Optional[Filters] = None) -> List[Hit]:
        filters = Filters.of(filters)
        allowed = np.array([filters is None or filters.accepts({**self.meta[c.doc_id].to_json()})
                            for c in self.chunks], dtype=bool)
        if not allowed.any():
            return []
        lexical = bm25_brute_force(self.analyzer.tokens(query), self.tokens, self.k1, self.b)
        parts = {"bm25": max_normalised(lexical, allowed)}
        grams = self.analyzer.distinct_bigrams(query)
        if grams and self.weights.get("coverage"):
            parts["coverage"] = np.array([len(present.intersection(grams)) / len(grams) for present in self.token_sets])
        if self.embed is not None and self.vectors is not None:
            parts["dense"] = self.vectors @ self.embed([query])[0]
        fused = weighted(parts, self.weights)
        rows = [r for r in top_rows(fused, k, allowed) if lexical[r] > 0 or "dense" in parts]
        return [Hit(c.chunk_id, c.doc_id, c.text, float(fused[r]), c.citation(self.meta[c.doc_id]))
                for r in rows for c in [self.chunks[r]]]
