"""BM25 scores of every item (chunk or document) for a query's tokens, from a bm25s index."""

from __future__ import annotations

from pathlib import Path
from typing import List

import bm25s
import numpy as np


class LexicalIndex:
    def __init__(self, model: bm25s.BM25, size: int):
        self.model, self.size = model, size

    @classmethod
    def load(cls, path: Path) -> LexicalIndex:
        model = bm25s.BM25.load(str(path), load_corpus=False, mmap=False)
        return cls(model, int(model.scores["num_docs"]))

    @classmethod
    def build(cls, tokens: List[List[str]], k1: float, b: float) -> LexicalIndex:
        model = bm25s.BM25(k1=k1, b=b, method="lucene")
        model.index([t or [""] for t in tokens], show_progress=False)
        return cls(model, len(tokens))

    def save(self, path: Path) -> None:
        self.model.save(str(path))

    def scores(self, tokens: List[str]) -> np.ndarray:
        """float32 score per item; zeros when no token of the query is in the index."""
        ids = self.model.get_tokens_ids([t for t in tokens if t])
        if not ids:
            return np.zeros(self.size, dtype=np.float32)
        return np.asarray(self.model.get_scores(ids), dtype=np.float32)
