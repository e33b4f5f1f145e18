"""BM25 (Lucene variant) over token lists, scored for every item at once from a sparse term x item matrix.

The BM25 weight of every (term, item) pair is computed at build time, so a query's scores are the sum of
its terms' rows: a gather and a bincount over their postings. Saved as one .npz and a vocabulary file.

    idf(t) = ln(1 + (N - df + 0.5) / (df + 0.5));  w(t, d) = idf(t) tf / (tf + k1 (1 - b + b |d| / avgdl))

A query term counts once per occurrence in the query. (bm25s computes the same; it is not used because
importing it starts JAX when JAX is installed, which costs a second and makes forking workers unsafe.)
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Dict, List, Sequence

import numpy as np

MATRIX = "bm25.npz"
VOCAB = "vocab.json"


class LexicalIndex:
    def __init__(self, vocab: Dict[str, int], indptr: np.ndarray, indices: np.ndarray, data: np.ndarray, size: int):
        self.vocab, self.indptr, self.indices, self.data, self.size = vocab, indptr, indices, data, size

    @classmethod
    def build(cls, tokens: Sequence[Sequence[str]], k1: float = 1.5, b: float = 0.75) -> LexicalIndex:
        vocab: Dict[str, int] = {}
        terms: List[int] = []
        items: List[int] = []
        tfs: List[int] = []
        lengths = np.zeros(len(tokens), dtype=np.float64)
        for d, toks in enumerate(tokens):
            lengths[d] = len(toks)
            for term, count in Counter(toks).items():
                terms.append(vocab.setdefault(term, len(vocab)))
                items.append(d)
                tfs.append(count)
        term_ids, item_ids = np.asarray(terms, dtype=np.int64), np.asarray(items, dtype=np.int32)
        tf = np.asarray(tfs, dtype=np.float64)
        n, avgdl = len(tokens), float(lengths.mean()) if len(tokens) and lengths.mean() > 0 else 1.0
        df = np.bincount(term_ids, minlength=len(vocab)).astype(np.float64)
        idf = np.log(1 + (n - df + 0.5) / (df + 0.5))
        weights = idf[term_ids] * tf / (tf + k1 * (1 - b + b * lengths[item_ids] / avgdl))
        order = np.argsort(term_ids, kind="stable")
        indptr = np.zeros(len(vocab) + 1, dtype=np.int64)
        np.cumsum(np.bincount(term_ids, minlength=len(vocab)), out=indptr[1:])
        return cls(vocab, indptr, item_ids[order], weights[order].astype(np.float32), n)

    def scores(self, tokens: Sequence[str]) -> np.ndarray:
        """float32 score per item; zeros when no token of the query is in the index."""
        ids = [self.vocab[t] for t in tokens if t in self.vocab]
        if not ids:
            return np.zeros(self.size, dtype=np.float32)
        spans = [(self.indptr[i], self.indptr[i + 1]) for i in ids]
        rows = np.concatenate([self.indices[a:e] for a, e in spans])
        weights = np.concatenate([self.data[a:e] for a, e in spans])
        return np.bincount(rows, weights=weights, minlength=self.size).astype(np.float32)

    def matched(self, tokens: Sequence[str]) -> np.ndarray:
        """float32 per item: how many of the distinct `tokens` occur in it (the coordination level)."""
        ids = sorted({self.vocab[t] for t in tokens if t in self.vocab})
        if not ids:
            return np.zeros(self.size, dtype=np.float32)
        rows = np.concatenate([self.indices[self.indptr[i] : self.indptr[i + 1]] for i in ids])
        return np.bincount(rows, minlength=self.size).astype(np.float32)

    def save(self, path: Path) -> None:
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        np.savez(path / MATRIX, indptr=self.indptr, indices=self.indices, data=self.data, size=np.int64(self.size))
        terms = sorted(self.vocab, key=self.vocab.__getitem__)
        (path / VOCAB).write_text(json.dumps(terms, ensure_ascii=False), encoding="utf-8")

    @classmethod
    def load(cls, path: Path) -> LexicalIndex:
        path = Path(path)
        with np.load(path / MATRIX) as z:
            arrays = {k: z[k] for k in ("indptr", "indices", "data", "size")}
        terms = json.loads((path / VOCAB).read_text(encoding="utf-8"))
        return cls({t: i for i, t in enumerate(terms)}, arrays["indptr"], arrays["indices"], arrays["data"],
                   int(arrays["size"]))
