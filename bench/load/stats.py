"""Figures of a load run: turns per second, p50/p95/p99 per turn type, errors by kind; the side-by-side table.
Pure (tests/bench_load/test_stats.py).

Latency is the wall time of one turn as the user sees it: from sending the message to the whole answer
(or the error). Every turn sent counts in the percentiles, the failed ones too (a time-out counts as the
time-out, a lower bound of the real wait); a ``no_button`` step sent nothing and has no latency.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence

from bench.load.journeys import ERROR_KINDS, TURN_TYPES


@dataclass(frozen=True)
class Turn:
    type: str
    journey: str
    start_s: float  # since the start of the measured window
    ms: Optional[float]  # None: nothing was sent (no_button)
    error: Optional[str] = None  # one of journeys.ERROR_KINDS
    detail: str = ""  # for an error: status, exception or the start of the reply
    sender: str = ""  # the conversation


def percentile(values: Sequence[float], q: float) -> Optional[float]:
    """Nearest rank: the smallest value with at least q percent of the values at or below it."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


def _r(x: Optional[float]) -> Optional[float]:
    return None if x is None else round(x, 1)


def group(turns: Sequence[Turn]) -> Dict[str, Any]:
    ms = [t.ms for t in turns if t.ms is not None]
    errors = Counter(t.error for t in turns if t.error)
    return {"n": len(turns), "errors": sum(errors.values()), "p50_ms": _r(percentile(ms, 50)),
            "p95_ms": _r(percentile(ms, 95)), "p99_ms": _r(percentile(ms, 99)),
            "mean_ms": _r(sum(ms) / len(ms)) if ms else None, "max_ms": _r(max(ms)) if ms else None}


def summarize(turns: Sequence[Turn], window_s: float, examples: int = 5) -> Dict[str, Any]:
    """Per type (in TURN_TYPES order, types with no turn left out) and for all turns together."""
    by_type = {kind: group([t for t in turns if t.type == kind]) for kind in TURN_TYPES
               if any(t.type == kind for t in turns)}
    errors = Counter(t.error for t in turns if t.error)
    sent = [t for t in turns if t.ms is not None]
    return {
        "window_s": round(window_s, 1),
        "turns": len(sent),
        "turns_per_s": round(len(sent) / window_s, 2) if window_s > 0 else None,
        "all": group(turns),
        "by_type": by_type,
        "errors": sum(errors.values()),
        "errors_by_kind": {k: errors[k] for k in ERROR_KINDS if errors[k]},
        "error_examples": [{"type": t.type, "journey": t.journey, "kind": t.error, "at_s": round(t.start_s, 1),
                            "detail": t.detail[:160]} for t in turns if t.error][:examples],
    }


def by_minute(turns: Iterable[Turn], window_s: float, step_s: float = 60.0) -> List[Dict[str, Any]]:
    """Turns per second, p95 and errors per slice of the window (the last slice takes the remainder): a run
    that degrades shows it here."""
    turns = list(turns)
    slices = max(1, round(window_s / step_s))
    out = []
    for i in range(slices):
        start = i * step_s
        end = window_s if i == slices - 1 else (i + 1) * step_s
        part = [t for t in turns if start <= t.start_s < end or (i == slices - 1 and t.start_s >= end)]
        ms = [t.ms for t in part if t.ms is not None]
        out.append({"from_s": round(start), "to_s": round(end), "turns_per_s": round(len(ms) / (end - start), 2),
                    "p95_ms": _r(percentile(ms, 95)), "errors": sum(1 for t in part if t.error)})
    return out


def _cell(figures: Optional[Mapping[str, Any]]) -> str:
    if not figures:
        return f"{'':>5} {'':>4} {'':>7} {'':>7} {'':>7}"

    def ms(x: Optional[float]) -> str:
        return "-" if x is None else f"{x:.0f}"

    return (f"{figures['n']:>5} {figures['errors']:>4} {ms(figures['p50_ms']):>7} {ms(figures['p95_ms']):>7} "
            f"{ms(figures['p99_ms']):>7}")


def table(modes: Mapping[str, Mapping[str, Any]]) -> str:
    """One block of columns (n, errors, p50, p95, p99 in ms) per mode, side by side, one row per turn type."""
    names = list(modes)
    width = len(_cell(None))
    head = f"{'turn type':<14}" + "".join(f" | {name:^{width}}" for name in names)
    sub = f"{'':<14}" + "".join(f" | {'n':>5} {'err':>4} {'p50':>7} {'p95':>7} {'p99':>7}" for _ in names)
    lines = [head, sub, "-" * len(sub)]
    kinds = [k for k in TURN_TYPES if any(k in (m.get("by_type") or {}) for m in modes.values())]
    for kind in kinds:
        lines.append(f"{kind:<14}" + "".join(f" | {_cell((modes[n].get('by_type') or {}).get(kind))}" for n in names))
    lines.append("-" * len(sub))
    lines.append(f"{'all':<14}" + "".join(f" | {_cell(modes[n].get('all'))}" for n in names))
    lines.append(f"{'turns/s':<14}" + "".join(f" | {str(modes[n].get('turns_per_s')):>{width}}" for n in names))
    lines.append(f"{'window s':<14}" + "".join(f" | {str(modes[n].get('window_s')):>{width}}" for n in names))
    for kind in ERROR_KINDS:
        if any((modes[n].get("errors_by_kind") or {}).get(kind) for n in names):
            lines.append(f"{'err ' + kind:<14}" + "".join(
                f" | {(modes[n].get('errors_by_kind') or {}).get(kind, 0):>{width}}" for n in names))
    return "\n".join(lines)
