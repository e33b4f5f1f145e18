"""Retrieval quality and latency: ncp_policies dev (passage level) and the project's own question set.

Runs `policybot eval retrieval` on both (building or reusing their indexes under var/eval/) and checks
the targets: ncp dev passage hybrid R@1 >= 0.72 and R@10 >= 0.92 (a plain char-bigram BM25, run in the
same run as the baseline, gets about 0.62 / 0.87); own questions, document level, hybrid R@5 >= 0.95.
Prints the figures and a final JSON line with the ratios to the same-run baseline. Figures on
ncp_policies are dev figures.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any, Dict

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from evaluation.retrieval import evaluate, table  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
TARGETS = {"ncp_dev": {"level": "passage", "R@1": 0.72, "R@10": 0.92}, "own": {"level": "doc", "R@5": 0.95}}


def summary(name: str, out: Dict[str, Any]) -> Dict[str, Any]:
    target = TARGETS[name]
    level = target["level"]
    res = out["results"]
    hybrid, base = res["hybrid"][level], res["baseline"][level]
    checks = {m: {"value": hybrid[m], "target": t, "met": hybrid[m] >= t} for m, t in target.items() if m != "level"}
    return {"level": level, "n_queries": out["n_queries"], "n_chunks": out["n_chunks"], "checks": checks,
            "hybrid": hybrid, "bm25": res["bm25"][level], "dense": res["dense"][level], "baseline": base,
            "hybrid_vs_baseline": {m: round(hybrid[m] / base[m], 3) if base.get(m) else None for m in hybrid},
            "latency_ms": {m: r["latency_ms"] for m, r in res.items()}}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--ncp", type=Path, default=ROOT.parent / "shared" / "data" / "ncp_policies")
    parser.add_argument("--own", type=Path, default=ROOT / "eval" / "questions.jsonl")
    args = parser.parse_args()
    runs = {}
    if (args.ncp / "corpus.jsonl").exists():
        runs["ncp_dev"] = evaluate(args.ncp / "corpus.jsonl", args.ncp / "queries_dev.jsonl", log=lambda s: None)
    if args.own.exists():
        runs["own"] = evaluate(ROOT / "knowledge" / "corpus", args.own, log=lambda s: None)
    final = {}
    for name, out in runs.items():
        print(f"== {name}: {out['corpus']} ({out['n_docs']} documents, {out['n_chunks']} passages), "
              f"{out['n_queries']} queries")
        print(table(out["results"]))
        final[name] = summary(name, out)
        for metric, c in final[name]["checks"].items():
            print(f"   target {final[name]['level']} hybrid {metric} >= {c['target']}: {c['value']:.3f} "
                  f"{'met' if c['met'] else 'NOT met'}")
    print(json.dumps(final, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
