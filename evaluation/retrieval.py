"""`policybot eval retrieval --corpus C --queries Q [--json]`: bm25, dense and hybrid side by side.

C is the project's knowledge directory or a jsonl of {docid, text}; Q a jsonl of {qid, query, docid or
relevant_ids, optional answer}. The index for C (and its embedding model, trained on C's text alone) is
built under var/eval/ or reused when C and the settings are unchanged. Figures: R@1/5/10, MRR@10 and
nDCG@10 at document level, the same at passage level for queries with an answer (the relevant passage is
the chunk of the relevant document holding the answer span), "answer" R@k (a top-k passage of any
document contains the answer text, as DPR counts), and latency p50/p95 of one search (one thread). A plain character-bigram BM25 over the same passages runs as the same-run
baseline. bm25, dense and hybrid search the question as the assistant does (search/query.py: the everyday words
of search/lexicon.yml expanded, words mistyped by sound added); `--steps lexicon` or `--steps none` leaves steps out
for an ablation. The baseline always searches the question as typed.
The last line printed is one JSON object with every figure.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

from evaluation.data import Query, in_traditional, load_queries, relevant_passages
from evaluation.metrics import mean_metrics, percentile, query_metrics, unique

ROOT = Path(__file__).resolve().parent.parent
DEPTH = 100  # chunks retrieved per query (enough for ten distinct documents)
MODES = ("baseline", "bm25", "dense", "hybrid")


def eval_dir(corpus: Path) -> Path:
    digest = hashlib.sha1(str(corpus.resolve()).encode()).hexdigest()[:8]
    return ROOT / "var" / "eval" / f"{corpus.stem}-{digest}"


def eval_index(corpus: Path, index_dir: Optional[Path] = None, config: Optional[Path] = None,
               log: Callable[[str], None] = print) -> Tuple[Dict[str, Any], Any]:
    """The index of `corpus` (and its embedding model) under `index_dir` or var/eval/, built when stale: the build
    report and the loaded index."""
    from index_builder.builder import build_index
    from index_builder.config import load_config
    from search.index import load_index

    base = index_dir or eval_dir(corpus)
    cfg = load_config(config, {"embedder": {"train_dir": str(base / "embedder")}})
    report = build_index(corpus, base / "index", cfg, log=log, progress=sys.stderr.isatty())
    return report, load_index(base / "index")


def one_thread() -> None:
    import faiss
    import torch

    faiss.omp_set_num_threads(1)
    torch.set_num_threads(1)


def answer_in(text: str, answer: str) -> bool:
    return "".join(answer.split()) in "".join(text.split())


def run_mode(search: Callable[[str], List[int]], queries: Sequence[Query], chunk_doc: Sequence[str],
             chunk_ids: Sequence[str], passages: Dict[str, set], chunk_text: Sequence[str]) -> Dict[str, Any]:
    doc_rows, passage_rows, answer_rows, latencies = [], [], [], []
    for q in queries:
        start = time.perf_counter()
        rows = search(q.query)
        latencies.append((time.perf_counter() - start) * 1000)
        doc_rows.append(query_metrics(unique(chunk_doc[r] for r in rows), set(q.relevant)))
        if q.qid in passages and q.answer:
            passage_rows.append(query_metrics([chunk_ids[r] for r in rows], passages[q.qid]))
            hits = [answer_in(chunk_text[r], q.answer) for r in rows[:10]]
            answer_rows.append({f"R@{k}": float(any(hits[:k])) for k in (1, 5, 10)})
    return {"doc": mean_metrics(doc_rows), "passage": mean_metrics(passage_rows), "answer": mean_metrics(answer_rows),
            "latency_ms": {"p50": round(percentile(latencies, 50), 2), "p95": round(percentile(latencies, 95), 2)}}


def table(results: Dict[str, Dict[str, Any]]) -> str:
    modes = list(results)
    lines = [f"{'':22}" + "".join(f"{m:>10}" for m in modes)]
    for level in ("doc", "passage", "answer"):
        names = next((list(r[level]) for r in results.values() if r[level]), [])
        for name in names:
            lines.append(f"{level + ' ' + name:22}" + "".join(f"{results[m][level].get(name, 0):>10.3f}" for m in modes))
    for p in ("p50", "p95"):
        lines.append(f"{'latency ' + p + ' ms':22}" + "".join(f"{results[m]['latency_ms'][p]:>10.2f}" for m in modes))
    return "\n".join(lines)


def evaluate(corpus: Path, queries_path: Path, index_dir: Optional[Path] = None, config: Optional[Path] = None,
             modes: Sequence[str] = MODES, log: Callable[[str], None] = print,
             traditional: bool = False, steps: Optional[Sequence[str]] = None) -> Dict[str, Any]:
    """Every figure; `steps` are the assistant's query steps applied (search/query.py; all of them by default)."""
    from evaluation.baseline import BigramBaseline
    from index_builder.sources import load_sources
    from search.hybrid import HybridRetriever
    from search.query import STEPS, homophones_of, searched

    steps = STEPS if steps is None else tuple(steps)

    queries = load_queries(queries_path)
    if traditional:
        queries = in_traditional(queries)
    report, index = eval_index(corpus, index_dir, config, log)
    one_thread()
    chunk_doc = [c.doc_id for c in index.chunks]
    chunk_ids = [c.chunk_id for c in index.chunks]
    by_doc: Dict[str, list] = {}
    for c in index.chunks:
        by_doc.setdefault(c.doc_id, []).append(c)
    texts = {s.doc_id: s.text for s in load_sources(corpus) if s.text}
    passages = {q.qid: relevant_passages(q, by_doc, texts) for q in queries if q.answer}
    retriever = HybridRetriever(index)
    row_of = {cid: i for i, cid in enumerate(chunk_ids)}
    searches: Dict[str, Callable[[str], List[int]]] = {}
    sounds = homophones_of(index) if "homophones" in steps else None

    def asked(question: str) -> str:
        return searched(question, sounds, lexicon="lexicon" in steps)

    for mode in modes:
        if mode == "baseline":
            searches[mode] = BigramBaseline(index.chunks).rows_for(DEPTH)
        else:
            searches[mode] = (lambda m: lambda q: [row_of[h.chunk_id]
                                                   for h in retriever.search_ex(asked(q), DEPTH, mode=m)])(mode)
    for search in searches.values():  # warm up (jieba, caches) outside the timed runs
        search(queries[0].query)
    texts_of = [c.text for c in index.chunks]
    results = {m: run_mode(searches[m], queries, chunk_doc, chunk_ids, passages, texts_of) for m in modes}
    return {"corpus": str(corpus), "queries": str(queries_path), "traditional": traditional, "steps": list(steps),
            "n_docs": len(index.docs),
            "n_chunks": len(index.chunks), "n_queries": len(queries), "n_with_answer": len(passages),
            "build": {"skipped": report.get("skipped"), "total_seconds": report.get("total_seconds"),
                      "chunks": report.get("chunks")},
            "settings": index.settings, "results": results}


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="policybot eval retrieval")
    parser.add_argument("--corpus", type=Path, required=True, help="knowledge directory or jsonl of {docid, text}")
    parser.add_argument("--queries", type=Path, required=True, help="jsonl of {qid, query, docid|relevant_ids, answer?}")
    parser.add_argument("--index-dir", type=Path, default=None, help="where the index and model go (default var/eval/...)")
    parser.add_argument("--config", type=Path, default=None, help="index_builder config (default index_builder/config.yml)")
    parser.add_argument("--modes", default=",".join(MODES))
    parser.add_argument("--traditional", action="store_true",
                        help="ask every query in traditional characters (OpenCC s2t) instead")
    parser.add_argument("--steps", default="lexicon,homophones",
                        help="the assistant's query steps to apply (search/query.py): lexicon, homophones, or none")
    parser.add_argument("--json", action="store_true", help="end with one JSON line of every figure")
    args = parser.parse_args(argv)
    from knowledge.corpus import InvalidCorpus
    from search.query import STEPS

    steps = [s for s in args.steps.split(",") if s and s != "none"]
    unknown = [s for s in steps if s not in STEPS]
    if unknown:
        print(f"eval retrieval: unknown step(s) {', '.join(unknown)}; known: {', '.join(STEPS)} or none", file=sys.stderr)
        return 2
    try:
        out = evaluate(args.corpus, args.queries, args.index_dir, args.config, [m for m in args.modes.split(",") if m],
                       log=lambda s: print(s, file=sys.stderr), traditional=args.traditional,
                       steps=steps)
    except (InvalidCorpus, ValueError, FileNotFoundError) as exc:
        print(f"eval retrieval: {exc}", file=sys.stderr)
        return 1
    print(f"{out['corpus']}: {out['n_docs']} documents, {out['n_chunks']} chunks; {out['queries']}: "
          f"{out['n_queries']} queries{' in traditional characters' if args.traditional else ''}, "
          f"{out['n_with_answer']} with an answer (dev figures)")
    print(table(out["results"]))
    if args.json:
        print(json.dumps(out, ensure_ascii=False))
    return 0
