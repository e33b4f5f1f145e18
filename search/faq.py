"""Curated FAQ answers, returned verbatim when a question is close enough to a curated one.

similarity = (cosine of the embeddings + Dice overlap of the character bigrams) / 2, so that both the
model and the surface form have to agree before an answer is given word for word.
"""

from __future__ import annotations

from typing import Callable, List, Optional, Sequence, Set, Tuple

import numpy as np

from search.records import FaqEntry
from search.textproc import char_bigrams, normalise

_QUESTION_NOISE = str.maketrans("", "", "？?！!。，,、 ")


def bigram_set(text: str) -> Set[str]:
    return set(char_bigrams(normalise(text).translate(_QUESTION_NOISE)))


def without(text: str, names: Sequence[str]) -> str:
    """text with every occurrence of the names (longest first) removed."""
    for name in sorted(names, key=len, reverse=True):
        text = text.replace(name, "")
    return text


def dice(a: Set[str], b: Set[str]) -> float:
    return 2 * len(a & b) / (len(a) + len(b)) if a and b else 0.0


class FaqMatcher:
    def __init__(self, entries: Sequence[FaqEntry], vectors: np.ndarray):
        self.entries = list(entries)
        self.vectors = vectors
        self.bigrams = [bigram_set(e.question) for e in self.entries]

    def best(self, question: str, vector: np.ndarray, allowed_docs: Optional[Set[str]] = None,
             implied: Sequence[str] = (), encode: Optional[Callable[[List[str]], np.ndarray]] = None
             ) -> Optional[Tuple[FaqEntry, float]]:
        """The most similar curated question (among the allowed documents' FAQs) and its similarity.

        `implied` names (the current document's title and aliases, in a follow-up) are taken out of the
        curated questions first: "人才租房补贴要什么材料？" is "要什么材料？" once the topic is known.
        """
        rows: List[int] = [i for i, e in enumerate(self.entries) if allowed_docs is None or e.doc_id in allowed_docs]
        if not rows:
            return None
        mine = bigram_set(question)
        if implied and encode is not None:
            stripped = [without(self.entries[r].question, implied) for r in rows]
            cosine = encode(stripped) @ vector
            grams = [bigram_set(q) for q in stripped]
        else:
            cosine = self.vectors[rows] @ vector
            grams = [self.bigrams[r] for r in rows]
        scores = [(float(c) + dice(mine, g)) / 2 for c, g in zip(cosine, grams)]
        best = int(np.argmax(scores))
        return self.entries[rows[best]], scores[best]
