import numpy as np

from search.fusion import max_normalised, rrf, top_rows, weighted


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
