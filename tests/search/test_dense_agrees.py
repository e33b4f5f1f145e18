import numpy as np
import pytest

from search.dense import DenseIndex, build_faiss


def unit(x):
    return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)


VECTORS = unit(np.random.default_rng(0).normal(size=(500, 24)))
QUERIES = unit(np.random.default_rng(1).normal(size=(20, 24)))


def brute(q, allowed=None, k=10):
    sims = VECTORS @ q
    if allowed is not None:
        sims = np.where(allowed, sims, -np.inf)
    return np.argsort(-sims, kind="stable")[:k]


def test_exact_index_equals_brute_force(tmp_path):
    index, used = build_faiss(VECTORS, "Flat")
    assert used == "Flat"
    dense = DenseIndex(index)
    for q in QUERIES:
        rows, sims = dense.search(q, 10)
        assert list(rows) == list(brute(q))
        np.testing.assert_allclose(sims, VECTORS[rows] @ q, rtol=1e-5, atol=1e-6)
    dense.save(tmp_path / "d.faiss")
    assert list(DenseIndex.load(tmp_path / "d.faiss").search(QUERIES[0], 5)[0]) == list(brute(QUERIES[0], k=5))


@pytest.mark.parametrize("factory", ["Flat", "HNSW32"])
def test_filtered_search_returns_only_allowed_rows(factory):
    dense = DenseIndex(build_faiss(VECTORS, factory)[0], ef_search=256)
    allowed = np.zeros(len(VECTORS), dtype=bool)
    allowed[::7] = True
    for q in QUERIES:
        rows, _ = dense.search(q, 10, allowed)
        assert allowed[rows].all()
        # HNSW is approximate: it must find most of the exact neighbours
        assert len(set(rows) & set(brute(q, allowed))) >= (10 if factory == "Flat" else 8)


def test_ivf_falls_back_to_exact_when_the_corpus_is_small():
    assert build_faiss(VECTORS, "IVF256,Flat")[1] == "Flat"
    index, used = build_faiss(np.tile(VECTORS, (8, 1)), "IVF16,Flat")
    assert used == "IVF16,Flat" and index.ntotal == 4000


def test_nothing_allowed_gives_nothing():
    dense = DenseIndex(build_faiss(VECTORS)[0])
    rows, sims = dense.search(QUERIES[0], 5, np.zeros(len(VECTORS), dtype=bool))
    assert len(rows) == 0 and len(sims) == 0
