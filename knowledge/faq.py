"""Curated FAQ answers, returned verbatim when a question is close enough to a curated one.

similarity = (cosine of the embeddings + Dice overlap of the character bigrams) / 2, so that both the
model and the surface form have to agree before an answer is given word for word.
"""

from __future__ import annotations

from typing import List, Optional, Sequence, Set, Tuple

import numpy as np

from knowledge.records import FaqEntry
from knowledge.textproc import char_bigrams, normalise

_QUESTION_NOISE = str.maketrans("", "", "？?！!。，,、 ")


def bigram_set(text: str) -> Set[str]:
    return set(char_bigrams(normalise(text).translate(_QUESTION_NOISE)))


def dice(a: Set[str], b: Set[str]) -> float:
    return 2 * len(a & b) / (len(a) + len(b)) if a and b else 0.0


class FaqMatcher:
    def __init__(self, entries: Sequence[FaqEntry], vectors: np.ndarray):
        self.entries = list(entries)
        self.vectors = vectors
        self.bigrams = [bigram_set(e.question) for e in self.entries]

    def best(self, question: str, vector: np.ndarray, allowed_docs: Optional[Set[str]] = None
             ) -> Optional[Tuple[FaqEntry, float]]:
        """The most similar curated question (among the allowed documents' FAQs) and its similarity."""
        rows: List[int] = [i for i, e in enumerate(self.entries) if allowed_docs is None or e.doc_id in allowed_docs]
        if not rows:
            return None
        cosine = self.vectors[rows] @ vector
        mine = bigram_set(question)
        scores = [(float(c) + dice(mine, self.bigrams[r])) / 2 for r, c in zip(rows, cosine)]
        best = int(np.argmax(scores))
        return self.entries[rows[best]], scores[best]
