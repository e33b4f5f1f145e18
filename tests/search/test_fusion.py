from pathlib import Path
from typing import Dict, List, Set, Tuple

import numpy as np
import pytest

from index_builder.sources import load_sources
from index_builder.steps import tokenise
from search import defaults as D
from search.fusion import max_normalised, rrf, top_rows, weighted
from search.hybrid import HybridRetriever
from search.index import LoadedIndex, load_index
from search.records import Chunk
from search.retriever import bm25_brute_force
from search.textproc import char_bigrams, normalise
from search.types import Hit
from tests.knowledge.helpers import CORPUS, tiny_config


def test_top_rows_breaks_ties_by_row_and_respects_mask():
    scores = np.array([0.5, 0.9, 0.9, 0.1, 0.7])
    assert list(top_rows(scores, 3)) == [1, 2, 4]
    allowed = np.array([True, False, True, True, False])
    assert list(top_rows(scores, 5, allowed)) == [2, 0, 3]
    assert list(top_rows(scores, 0)) == []


def test_max_normalised_uses_the_allowed_maximum():
    scores = np.array([2.0, 4.0, 1.0])
    np.testing.assert_allclose(max_normalised(scores), [0.5, 1.0, 0.25])
    np.testing.assert_allclose(max_normalised(scores, np.array([True, False, True])), [1.0, 2.0, 0.5])
    assert not max_normalised(np.zeros(3)).any()


def test_weighted_and_rrf():
    parts = {"bm25": np.array([1.0, 0.0]), "dense": np.array([0.0, 1.0])}
    np.testing.assert_allclose(weighted(parts, {"bm25": 1.0, "dense": 0.2}), [1.0, 0.2])
    fused = rrf({"bm25": np.array([0, 1]), "dense": np.array([1, 0])}, {"bm25": 1.0, "dense": 1.0}, 2, k=60)
    assert fused[0] == fused[1] > 0


# The shipped retriever (HybridRetriever over an index index_builder built from the fixture corpus) against a
# brute-force fusion written out here in plain Python: BM25 recomputed term by term from index_builder's own
# tokens, cosines from the stored vectors, coverage from the passages' bigrams, the weights from search.defaults.

QUERIES = ["高企认定奖励怎么申领", "公积金租房提取要租房合同吗", "新引进人才租房补贴多少钱", "专精特新企业资助标准",
           "人才落户需要哪些材料", "龙华区奖励"]


@pytest.fixture(scope="module")
def shipped(fixture_index: Path) -> Tuple[LoadedIndex, Dict[str, np.ndarray]]:
    """The loaded index and, per part, what the brute force starts from: the BM25 of every passage and every
    document for every query (term by term over the tokens index_builder feeds BM25), the passages' bigrams."""
    index = load_index(fixture_index)
    sources = {s.doc_id: s for s in load_sources(CORPUS)}
    chunk_tokens, _, doc_tokens = tokenise([sources[d.doc_id] for d in index.docs], index.chunks, index.analyzer,
                                           progress=False)
    bm25 = tiny_config(fixture_index.parent / "embedder").bm25
    raw: Dict[str, np.ndarray] = {}
    for query in QUERIES:
        tokens = index.analyzer.query_tokens(query)
        raw[f"chunks {query}"] = bm25_brute_force(tokens, chunk_tokens, float(bm25["k1"]), float(bm25["b"]))
        raw[f"docs {query}"] = bm25_brute_force(tokens, doc_tokens, float(bm25["doc_k1"]), float(bm25["doc_b"]))
    return index, raw


def chunk_bigrams(chunk: Chunk) -> Set[str]:
    """The bigrams BM25 indexes for a passage: title, other names, heading and text, each on its own."""
    return {g for part in (chunk.title, chunk.names, chunk.heading, chunk.text) for g in char_bigrams(normalise(part))}


def brute_force(index: LoadedIndex, raw: Dict[str, np.ndarray], query: str, weights: Dict[str, float],
                fusion: str = "weighted") -> Dict[int, float]:
    """Fused score of every passage that passes the floors, by the formula in search/hybrid.py's docstring."""
    n = len(index.chunks)
    lexical, doc_scores = raw[f"chunks {query}"], raw[f"docs {query}"]
    doc_row = {d.doc_id: i for i, d in enumerate(index.docs)}
    grams = set(char_bigrams(normalise(query)))
    vectors = np.load(index.path / "embeddings.npy").astype(np.float64)
    query_vector = index.embedder.encode([query])[0].astype(np.float64)
    parts = {
        "bm25": [lexical[r] / lexical.max() for r in range(n)],
        "doc": [doc_scores[doc_row[c.doc_id]] / doc_scores.max() for c in index.chunks],
        "coverage": [len(grams & chunk_bigrams(c)) / len(grams) for c in index.chunks],
        "dense": [float(vectors[r] @ query_vector) for r in range(n)],
    }
    if fusion == "weighted":
        fused = [sum(weights.get(name, 0.0) * values[r] for name, values in parts.items()) for r in range(n)]
    else:  # reciprocal rank fusion: weight / (60 + rank) per part, rank 1 = best, ties by row
        fused = [0.0] * n
        for name, values in parts.items():
            for rank, r in enumerate(sorted(range(n), key=lambda r: (-values[r], r)), 1):
                fused[r] += weights.get(name, 0.0) / (D.RRF_K + rank)
    return {r: fused[r] for r in range(n) if lexical[r] > 0 or parts["dense"][r] >= D.MIN_DENSE}


def assert_same_ranking(hits: List[Hit], index: LoadedIndex, expected: Dict[int, float], k: int) -> None:
    rows = {c.chunk_id: r for r, c in enumerate(index.chunks)}
    want = sorted(expected, key=lambda r: (-expected[r], r))[:k]
    got = [rows[h.chunk_id] for h in hits]
    assert len(got) == len(want)
    for position, (g, w) in enumerate(zip(got, want)):  # the same rows in the same order (float32 ties aside)
        assert g == w or expected[g] == pytest.approx(expected[w], rel=1e-5), (position, got, want)
    for h, r in zip(hits, got):
        assert h.score == pytest.approx(expected[r], rel=1e-4, abs=1e-6)


def test_the_index_and_the_retriever_take_their_weights_from_search_defaults(shipped) -> None:
    index, _ = shipped
    assert index.settings["weights"] == dict(D.WEIGHTS) and index.settings["fusion"] == D.FUSION == "weighted"
    assert HybridRetriever(index).weights == dict(D.WEIGHTS)
    assert len(index.chunks) < D.CANDIDATES  # every passage is a dense candidate: the brute force scores them all


@pytest.mark.parametrize("query", QUERIES)
def test_the_shipped_fusion_equals_the_brute_force_with_the_default_weights(shipped, query: str) -> None:
    index, raw = shipped
    expected = brute_force(index, raw, query, dict(D.WEIGHTS))
    assert_same_ranking(HybridRetriever(index).search(query, 8), index, expected, 8)


def test_the_shipped_fusion_follows_other_weights_and_rrf(shipped) -> None:
    """Weights far from the defaults change the ranking (so the comparison above can tell a part left out),
    and the shipped retriever still equals the brute force; the same for reciprocal rank fusion."""
    index, raw = shipped
    other = {"bm25": 0.3, "doc": 1.5, "dense": 1.0, "coverage": 0.2}
    changed = 0
    for query in QUERIES:
        expected = brute_force(index, raw, query, other)
        hits = HybridRetriever(index, {"weights": other}).search(query, 8)
        assert_same_ranking(hits, index, expected, 8)
        default = brute_force(index, raw, query, dict(D.WEIGHTS))
        changed += sorted(default, key=lambda r: (-default[r], r))[:8] != sorted(expected, key=lambda r: (-expected[r], r))[:8]
        expected = brute_force(index, raw, query, dict(D.WEIGHTS), fusion="rrf")
        assert_same_ranking(HybridRetriever(index, {"fusion": "rrf"}).search(query, 8), index, expected, 8)
    assert changed >= 2
