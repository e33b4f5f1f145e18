"""Ranking metrics with binary relevance. R@k is the share of queries with a relevant item in the top k."""

from __future__ import annotations

import math
from typing import Dict, Hashable, Iterable, List, Sequence, Set

KS = (1, 5, 10)


def unique(items: Iterable[Hashable]) -> List[Hashable]:
    seen: Set[Hashable] = set()
    out = []
    for item in items:
        if item not in seen:
            seen.add(item)
            out.append(item)
    return out


def recall_at(ranked: Sequence[Hashable], relevant: Set[Hashable], k: int) -> float:
    return 1.0 if any(r in relevant for r in ranked[:k]) else 0.0


def mrr_at(ranked: Sequence[Hashable], relevant: Set[Hashable], k: int = 10) -> float:
    for i, r in enumerate(ranked[:k]):
        if r in relevant:
            return 1.0 / (i + 1)
    return 0.0


def ndcg_at(ranked: Sequence[Hashable], relevant: Set[Hashable], k: int = 10) -> float:
    dcg = sum(1.0 / math.log2(i + 2) for i, r in enumerate(ranked[:k]) if r in relevant)
    ideal = sum(1.0 / math.log2(i + 2) for i in range(min(k, len(relevant))))
    return dcg / ideal if ideal else 0.0


def query_metrics(ranked: Sequence[Hashable], relevant: Set[Hashable]) -> Dict[str, float]:
    out = {f"R@{k}": recall_at(ranked, relevant, k) for k in KS}
    out["MRR@10"] = mrr_at(ranked, relevant, 10)
    out["nDCG@10"] = ndcg_at(ranked, relevant, 10)
    return out


def mean_metrics(rows: Sequence[Dict[str, float]]) -> Dict[str, float]:
    if not rows:
        return {}
    return {name: round(sum(r[name] for r in rows) / len(rows), 4) for name in rows[0]}


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100)."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]
