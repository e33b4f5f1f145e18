"""Fusing lexical and dense scores: weighted max-normalised scores (default) or reciprocal rank fusion."""

from __future__ import annotations

from typing import Dict, Mapping

import numpy as np


def max_normalised(scores: np.ndarray, allowed: np.ndarray | None = None) -> np.ndarray:
    """scores / their maximum over the allowed rows (zeros when nothing scores above zero)."""
    top = float(scores[allowed].max(initial=0.0)) if allowed is not None else float(scores.max(initial=0.0))
    return scores / top if top > 0 else np.zeros_like(scores)


def weighted(components: Mapping[str, np.ndarray], weights: Mapping[str, float]) -> np.ndarray:
    """Sum of weight x component; components missing from `weights` count zero."""
    out: np.ndarray | None = None
    for name, values in components.items():
        w = float(weights.get(name, 0.0))
        if w:
            out = w * values if out is None else out + w * values
    if out is None:
        size = len(next(iter(components.values()))) if components else 0
        return np.zeros(size, dtype=np.float32)
    return out


def top_rows(scores: np.ndarray, k: int, allowed: np.ndarray | None = None) -> np.ndarray:
    """Row ids of the k best scores, best first (ties broken by row id), restricted to allowed rows."""
    if allowed is not None:
        candidates = np.flatnonzero(allowed)
        values = scores[candidates]
    else:
        candidates, values = None, scores
    k = min(k, len(values))
    if k <= 0:
        return np.zeros(0, dtype=np.int64)
    part = np.argpartition(-values, k - 1)[:k] if k < len(values) else np.arange(len(values))
    order = part[np.lexsort((part, -values[part]))]
    return order if candidates is None else candidates[order]


def rrf(rankings: Dict[str, np.ndarray], weights: Mapping[str, float], size: int, k: int = 60) -> np.ndarray:
    """Reciprocal rank fusion: sum over rankings of weight / (k + rank), rank 1 = best."""
    out = np.zeros(size, dtype=np.float32)
    for name, rows in rankings.items():
        w = float(weights.get(name, 0.0))
        if w and len(rows):
            out[rows] += w / (k + np.arange(1, len(rows) + 1, dtype=np.float32))
    return out
