"""The FAISS + BM25 retriever: passage BM25, a document-level BM25 prior, dense cosine, fused.

    hybrid = w_bm25 * bm25(chunk) / max + w_doc * bm25(document of chunk) / max + w_dense * cosine
             + w_coverage * (share of the query's distinct character bigrams found in the chunk)

The coverage term is the coordination factor of Lucene's classic similarity: BM25 adds up what each
matched term is worth, coverage says how much of the question the passage speaks to at all, so a
passage that repeats a few strong words (the issuer's name in an introduction) does not outrank the one
that holds most of the question's phrases.

(`fusion: rrf` fuses the parts' rankings instead). `mode` selects the lexical part alone ("bm25") or the
dense part alone ("dense") for evaluation. Filters restrict every part to the allowed documents. A hit
needs some lexical evidence (raw passage BM25 >= `min_bm25`) or a cosine of at least `min_dense`.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional

import numpy as np

from search import defaults as D
from search.fusion import max_normalised, rrf, top_rows, weighted
from search.index import LoadedIndex
from search.types import Filters, Hit

MODES = ("hybrid", "bm25", "dense")


class HybridRetriever:
    def __init__(self, index: LoadedIndex, settings: Optional[Dict[str, Any]] = None):
        self.index = index
        self.settings = {**index.settings, **(settings or {})}
        self.weights = dict(self.settings.get("weights") or D.WEIGHTS)

    def search(self, query: str, k: int = D.TOP_K, filters: Optional[Filters] = None) -> List[Hit]:
        return self.search_ex(query, k, filters)

    def search_ex(self, query: str, k: int = D.TOP_K, filters: Optional[Filters] = None, mode: str = "hybrid") -> List[Hit]:
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}")
        idx = self.index
        allowed = idx.chunk_mask(Filters.of(filters))
        if allowed is not None and not allowed.any():
            return []
        parts: Dict[str, np.ndarray] = {}
        raw = np.zeros(len(idx.chunks), dtype=np.float32)
        if mode != "dense":
            tokens = idx.analyzer.query_tokens(query, bool(self.settings.get("strip_question_words", False)))
            raw = idx.lexical_chunks.scores(tokens)
            parts["bm25"] = max_normalised(raw, allowed)
            doc_allowed = None if allowed is None else idx.doc_mask(Filters.of(filters))
            parts["doc"] = max_normalised(idx.lexical_docs.scores(tokens), doc_allowed)[idx.chunk_doc]
            grams = idx.analyzer.distinct_bigrams(query)
            if grams and self.weights.get("coverage"):
                parts["coverage"] = idx.lexical_chunks.matched(grams) / len(grams)
        dense_rows = np.zeros(0, dtype=np.int64)
        if mode != "bm25":
            vector = idx.embedder.encode([query])[0]
            dense_rows, sims = idx.dense.search(vector, int(self.settings.get("candidates", D.CANDIDATES)), allowed)
            dense = np.full(len(idx.chunks), float(sims.min(initial=0.0)) if len(sims) else 0.0, dtype=np.float32)
            dense[dense_rows] = sims
            parts["dense"] = dense
        fused = self._fuse(parts, dense_rows, allowed, mode)
        rows = [int(r) for r in top_rows(fused, k, allowed)]
        if mode != "dense":
            floor = float(self.settings.get("min_dense", D.MIN_DENSE))
            min_bm25 = float(self.settings.get("min_bm25", D.MIN_BM25))
            dense_ok = parts["dense"] if mode == "hybrid" else np.zeros_like(raw)
            rows = [r for r in rows if (raw[r] > 0 and raw[r] >= min_bm25) or dense_ok[r] >= floor > 0]
        return [self._hit(r, float(fused[r])) for r in rows]

    def _fuse(self, parts: Dict[str, np.ndarray], dense_rows: np.ndarray, allowed: Optional[np.ndarray],
              mode: str) -> np.ndarray:
        if mode == "dense":
            return parts["dense"]
        weights = self.weights if mode == "hybrid" else {**self.weights, "dense": 0.0}
        if self.settings.get("fusion", D.FUSION) != "rrf":
            return weighted(parts, weights)
        depth = int(self.settings.get("candidates", D.CANDIDATES))
        rankings = {name: top_rows(values, depth, allowed) for name, values in parts.items() if name != "dense"}
        if "dense" in parts:  # FAISS returns tied cosines in no set order (all ties when the query has no known word)
            rankings["dense"] = dense_rows[np.lexsort((dense_rows, -parts["dense"][dense_rows]))]
        return rrf(rankings, weights, len(self.index.chunks), int(self.settings.get("rrf_k", D.RRF_K)))

    def _hit(self, row: int, score: float) -> Hit:
        chunk = self.index.chunks[row]
        return Hit(chunk_id=chunk.chunk_id, doc_id=chunk.doc_id, text=chunk.text, score=score,
                   citation=chunk.citation(self.index.doc_of(row)))
