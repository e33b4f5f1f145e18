"""The search's defaults, in one place: how many passages an answer looks at, how the parts are fused, the
floors a hit must pass, when a curated FAQ answer is taken and when a passage answer counts as a guess.

:func:`search_settings` is the ``search`` section every index is built with (index_builder's config adds it before its own
config.yml, which may override any key) and is copied into the index manifest, so an index carries the settings
it was built and tuned with; the search runtime reads the manifest and falls back on these values. The
weights were tuned on NCP dev (NOTES.md: bigram coverage); thresholds on eval/questions.jsonl.
"""

from __future__ import annotations

from typing import Any, Dict, Mapping

TOP_K = 5  # passages an answer is chosen from
FAQ_DOC_DEPTH = 3  # without a conversation context, a FAQ answer must come from one of the top documents

FUSION = "weighted"  # weighted (max-normalised scores) or rrf
WEIGHTS: Mapping[str, float] = {"bm25": 1.0, "doc": 0.5, "dense": 0.2, "coverage": 2.0}
RRF_K = 60
CANDIDATES = 200  # dense candidates taken from FAISS per query
FAQ_THRESHOLD = 0.72  # a curated FAQ answer is returned verbatim at or above this similarity
MIN_DENSE = 0.35  # a hit needs raw passage BM25 >= MIN_BM25 (and > 0), or at least this cosine
MIN_BM25 = 0.0

# Below this fused score no correct answer of eval/questions.jsonl was found (correct answers start near
# 2.03; wrong and off-topic ones range 1.70-2.43): a passage shown under it is a guess worth a look
# (the knowledge-gap view logs it as low confidence).
LOW_CONFIDENCE_SCORE = 2.0

# Words mistyped by sound (search/homophones.py) are looked for in a question's first this many characters: about
# 2 ms per 100 characters, so a pasted page costs no more than a long hotline retelling.
HOMOPHONE_CHARS = 300


def search_settings() -> Dict[str, Any]:
    """The ``search`` section of the index settings, as the defaults above (a fresh copy)."""
    return {"fusion": FUSION, "weights": dict(WEIGHTS), "rrf_k": RRF_K, "candidates": CANDIDATES,
            "faq_threshold": FAQ_THRESHOLD, "min_dense": MIN_DENSE, "min_bm25": MIN_BM25}
