"""Query latency on a 100,000-passage index, one thread (target: hybrid p95 <= 30 ms).

Builds (or reuses, with --work) an index of a synthetic corpus, then times single searches (k=5) in each
mode, and the same-run baseline: a plain character-bigram BM25 over the same passages. The exact FAISS
index (Flat) is the default; the HNSW32 variant over the same vectors is timed too. Prints the figures
and a final JSON line with ratios to the target and to the baseline.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path
from typing import Callable, Dict, List

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_index_synthetic import documents, write_corpus  # noqa: E402

from evaluation.metrics import percentile  # noqa: E402
from index_builder.builder import build_index  # noqa: E402
from index_builder.config import load_config  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
TARGET_MS = 30.0


def questions(n: int, seed: int = 11) -> List[str]:
    rng = random.Random(seed)
    own = ROOT / "eval" / "questions.jsonl"
    out = [json.loads(line)["query"] for line in own.read_text(encoding="utf-8").splitlines() if line.strip()] \
        if own.exists() else []
    texts = [d["text"] for d in documents(2000, seed=3)]
    while len(out) < n:
        text = rng.choice(texts)
        start = rng.randrange(0, max(1, len(text) - 20))
        out.append(text[start : start + rng.randint(8, 20)] + rng.choice(["是什么？", "怎么申请？", "有哪些要求？", "多少钱？"]))
    rng.shuffle(out)
    return out[:n]


def latencies(search: Callable[[str], object], queries: List[str]) -> Dict[str, float]:
    for q in queries[:5]:
        search(q)
    times = []
    for q in queries:
        start = time.perf_counter()
        search(q)
        times.append((time.perf_counter() - start) * 1000)
    return {"p50": round(percentile(times, 50), 2), "p95": round(percentile(times, 95), 2),
            "max": round(max(times), 2)}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--chunks", type=int, default=100000)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--work", type=Path, default=ROOT / "var" / "bench" / "query100k")
    args = parser.parse_args()
    import faiss

    faiss.omp_set_num_threads(1)
    corpus = args.work / "corpus.jsonl"
    if not corpus.exists():
        write_corpus(corpus, args.chunks)
    start = time.time()
    report = build_index(corpus, args.work / "index", load_config(None, {"embedder": {"train_dir": str(args.work / "embedder")}}),
                         log=lambda s: None, progress=sys.stderr.isatty())
    build_s = time.time() - start

    from evaluation.baseline import BigramBaseline
    from search.base import load_knowledge_base
    from search.dense import DenseIndex, build_faiss
    from search.hybrid import HybridRetriever

    start = time.time()
    kb = load_knowledge_base(args.work / "index")
    kb.index.analyzer.warm()
    load_s = time.time() - start
    index = kb.index
    queries = questions(args.queries)
    retriever = HybridRetriever(index)
    baseline = BigramBaseline(index.chunks)
    results = {"baseline": latencies(lambda q: baseline.rows(q, 5), queries)}
    for mode in ("bm25", "dense", "hybrid"):
        results[mode] = latencies(lambda q, m=mode: retriever.search_ex(q, 5, mode=m), queries)
    results["ask"] = latencies(lambda q: kb.ask(q), queries)
    import numpy as np

    hnsw, _ = build_faiss(np.load(args.work / "index" / "embeddings.npy"), "HNSW32")
    index.dense = DenseIndex(hnsw, ef_search=64)
    results["hybrid_hnsw32"] = latencies(lambda q: retriever.search_ex(q, 5), queries)
    p95 = results["hybrid"]["p95"]
    out = {"chunks": len(index.chunks), "queries": len(queries), "threads": 1, "build_s": round(build_s, 1),
           "build_skipped": report.get("skipped"), "load_s": round(load_s, 2), "latency_ms": results,
           "target_ms": TARGET_MS, "hybrid_p95_vs_target": round(p95 / TARGET_MS, 3),
           "hybrid_p95_vs_baseline": round(p95 / max(results["baseline"]["p95"], 1e-6), 2)}
    print(f"index of {out['chunks']} passages ({'reused' if report.get('skipped') else f'built in {build_s:.0f} s'}), "
          f"loaded in {load_s:.2f} s; {len(queries)} queries, one thread")
    for name, r in results.items():
        print(f"  {name:14} p50 {r['p50']:7.2f} ms   p95 {r['p95']:7.2f} ms   max {r['max']:7.2f} ms")
    print(json.dumps(out, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
