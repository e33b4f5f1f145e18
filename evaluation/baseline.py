"""The same-run baseline: plain character-bigram BM25 over the passage text (no title, no words)."""

from __future__ import annotations

from typing import Callable, List, Sequence

from search.fusion import top_rows
from search.lexical import LexicalIndex
from search.records import Chunk
from search.textproc import char_bigrams, normalise


class BigramBaseline:
    def __init__(self, chunks: Sequence[Chunk], k1: float = 1.5, b: float = 0.75):
        self.index = LexicalIndex.build([char_bigrams(normalise(c.text)) for c in chunks], k1, b)

    def rows(self, query: str, k: int) -> List[int]:
        scores = self.index.scores(char_bigrams(normalise(query)))
        return [int(r) for r in top_rows(scores, k) if scores[r] > 0]

    def rows_for(self, k: int) -> Callable[[str], List[int]]:
        return lambda query: self.rows(query, k)
