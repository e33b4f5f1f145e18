"""Initial token vectors from the corpus: truncated SVD of the tf-idf chunk x token matrix (LSA).

Starting the static embedding from LSA gives tokens that occur in the same passages nearby vectors
before contrastive training; a seeded randomized SVD (Halko et al.) keeps it deterministic.
"""

from __future__ import annotations

from typing import List

import numpy as np
import scipy.sparse as sp


def tfidf(token_ids: List[List[int]], vocab_size: int) -> tuple[sp.csr_matrix, np.ndarray]:
    rows = np.repeat(np.arange(len(token_ids)), [len(t) for t in token_ids])
    cols = np.fromiter((i for t in token_ids for i in t), dtype=np.int64, count=int(sum(len(t) for t in token_ids)))
    x = sp.csr_matrix((np.ones(len(cols), dtype=np.float32), (rows, cols)), shape=(len(token_ids), vocab_size))
    x.sum_duplicates()
    x.data = np.log1p(x.data)
    df = np.bincount(x.indices, minlength=vocab_size)
    idf = (np.log((len(token_ids) + 1) / (df + 1)) + 1).astype(np.float32)
    return sp.csr_matrix(x.multiply(idf[None, :])), idf


def randomized_svd(x: sp.csr_matrix, k: int, seed: int, iters: int = 4) -> tuple[np.ndarray, np.ndarray]:
    """(singular values, right singular vectors as rows) of the top k components."""
    rng = np.random.default_rng(seed)
    k_eff = min(k, min(x.shape) - 1)
    q = x @ rng.standard_normal((x.shape[1], k_eff + 10)).astype(np.float32)
    for _ in range(iters):
        q, _ = np.linalg.qr(q)
        q, _ = np.linalg.qr(x.T @ q)
        q = x @ q
    q, _ = np.linalg.qr(q)
    _, s, vt = np.linalg.svd(np.asarray((x.T @ q).T), full_matrices=False)
    return s[:k_eff], vt[:k_eff]


def lsa_vectors(token_ids: List[List[int]], vocab_size: int, dim: int, seed: int) -> np.ndarray:
    """(vocab_size, dim) float32 token vectors, idf-weighted, zero-padded if the corpus is tiny."""
    x, idf = tfidf(token_ids, vocab_size)
    s, vt = randomized_svd(x, dim, seed)
    vectors = np.zeros((vocab_size, dim), dtype=np.float32)
    vectors[:, : len(s)] = (vt.T * np.sqrt(s)).astype(np.float32)
    vectors *= (idf / idf.mean())[:, None]
    rng = np.random.default_rng(seed + 1)
    vectors += rng.normal(0, 1e-3, vectors.shape).astype(np.float32)
    return vectors
