import random

import numpy as np
import pytest

from search.fusion import top_rows
from search.lexical import LexicalIndex
from search.retriever import bm25_brute_force

VOCAB = [f"t{i}" for i in range(40)]


def corpus(seed: int, n: int = 60):
    rng = random.Random(seed)
    return [[rng.choice(VOCAB[: rng.randint(5, 40)]) for _ in range(rng.randint(1, 30))] for _ in range(n)]


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("k1,b", [(1.5, 0.75), (0.9, 0.3), (1.2, 1.0)])
def test_bm25_scores_equal_brute_force(seed, k1, b):
    docs = corpus(seed)
    index = LexicalIndex.build(docs, k1, b)
    rng = random.Random(seed + 100)
    for _ in range(20):
        query = [rng.choice(VOCAB) for _ in range(rng.randint(1, 6))] + ["never-seen"]
        got, want = index.scores(query), bm25_brute_force(query, docs, k1, b)
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-5)
        assert list(top_rows(got, 5)) == list(top_rows(want, 5)) or np.allclose(
            np.sort(got)[-5:], np.sort(want)[-5:], rtol=1e-4)


def test_unknown_query_scores_zero_and_saves_and_loads(tmp_path):
    docs = corpus(3)
    index = LexicalIndex.build(docs, 1.2, 0.75)
    assert not index.scores(["nothing", "here"]).any()
    index.save(tmp_path / "bm25")
    again = LexicalIndex.load(tmp_path / "bm25")
    np.testing.assert_allclose(again.scores(["t1", "t2"]), index.scores(["t1", "t2"]))


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_coordination_counts_equal_brute_force(seed):
    docs = corpus(seed)
    index = LexicalIndex.build(docs)
    rng = random.Random(seed + 200)
    for _ in range(20):
        query = [rng.choice(VOCAB) for _ in range(rng.randint(1, 8))] + ["never-seen"]
        want = [len(set(query) & set(d)) for d in docs]  # distinct query tokens present, repeats count once
        np.testing.assert_array_equal(index.matched(query), np.array(want, dtype=np.float32))
