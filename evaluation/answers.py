"""`policybot eval answers --corpus C --queries Q [--split all|tune|held-out] [--json]`: how close the displayed
answer comes to the gold answer.

C is a knowledge directory or a jsonl of {docid, text}; Q a jsonl of {qid, query, docid or relevant_ids,
answer} (queries without an answer are skipped). The index for C is built or reused exactly as
`policybot eval retrieval` does (under var/eval/). For every query:

- **given the passage**: the answer shown for the relevant passage (the chunk of the relevant document
  holding the gold answer, as `eval retrieval` counts passages);
- **end to end**: the answer shown for what the knowledge base returns for the question (a curated FAQ answer
  verbatim, else the concise part of the best passage; nothing when nothing is found), the same function the
  chat uses (:func:`search.concise.shown`).

Score: ROUGE-L at character level, F1 (β = 1) of the longest common subsequence, whitespace ignored. The same
run also scores what was shown before concise answers (``whole_passage``: the whole relevant passage given
the passage; end to end the curated FAQ answer, else the whole best passage) and times the extraction alone (wall
clock percentiles, ``extract_ms``, and the process's CPU time per answer, ``extract_cpu_ms_mean`` given the passage and
``shown_cpu_ms_mean`` for what the chat calls, the search excluded). ``--split`` takes one half of the queries by a
hash of their id: ``tune`` is the half the extraction rules were tuned on, ``held-out`` the half nobody looked at
(report it as the untouched figure). The last line printed is one JSON object; its keys ``rouge_l_given_passage``, ``rouge_l_end_to_end`` and
``median_chars`` (median length of the displayed answer end to end, in characters) are the headline figures.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Sequence

from evaluation.data import Query, load_queries, relevant_passages
from evaluation.metrics import percentile
from search.concise import concise, shown

SPLITS = ("all", "tune", "held-out")


def lcs_length(a: str, b: str) -> int:
    """Length of the longest common subsequence of two strings (bit-parallel, Hyyrö 2004)."""
    if not a or not b:
        return 0
    if len(a) > len(b):
        a, b = b, a
    masks: Dict[str, int] = {}
    for i, ch in enumerate(a):
        masks[ch] = masks.get(ch, 0) | (1 << i)
    full = (1 << len(a)) - 1
    row = full
    for ch in b:
        u = row & masks.get(ch, 0)
        row = ((row + u) | (row - u)) & full
    return len(a) - bin(row).count("1")


def rouge_l(shown_text: str, gold: str) -> float:
    """ROUGE-L F1 at character level, whitespace ignored."""
    p, g = "".join(shown_text.split()), "".join(gold.split())
    common = lcs_length(p, g)
    if not common:
        return 0.0
    precision, recall = common / len(p), common / len(g)
    return 2 * precision * recall / (precision + recall)


def split_of(qid: str) -> str:
    """`tune` or `held-out`: a fixed half of the queries by a hash of their id."""
    return "tune" if int(hashlib.sha1(qid.encode("utf-8")).hexdigest(), 16) % 2 == 0 else "held-out"


def select(queries: Sequence[Query], split: str) -> List[Query]:
    with_answer = [q for q in queries if q.answer]
    return with_answer if split == "all" else [q for q in with_answer if split_of(q.qid) == split]


def summary(given: Sequence[float], end_to_end: Sequence[float], lengths: Sequence[int]) -> Dict[str, float]:
    return {"rouge_l_given_passage": round(statistics.fmean(given), 4) if given else 0.0,
            "rouge_l_end_to_end": round(statistics.fmean(end_to_end), 4) if end_to_end else 0.0,
            "median_chars": float(statistics.median(lengths)) if lengths else 0.0}


def evaluate(corpus: Path, queries_path: Path, split: str = "all", index_dir: Optional[Path] = None,
             config: Optional[Path] = None, log: Callable[[str], None] = print) -> Dict[str, Any]:
    from evaluation.retrieval import eval_index
    from index_builder.sources import load_sources
    from search.base import KnowledgeBase

    queries = select(load_queries(queries_path), split)
    if not queries:
        raise ValueError(f"{queries_path}: no queries with an answer in split {split!r}")
    _, index = eval_index(corpus, index_dir, config, log)
    kb = KnowledgeBase(index)
    by_doc: Dict[str, list] = {}
    for c in index.chunks:
        by_doc.setdefault(c.doc_id, []).append(c)
    chunk = {c.chunk_id: c for c in index.chunks}
    texts = {s.doc_id: s.text for s in load_sources(corpus) if s.text}

    given, given_len, e2e, e2e_len, timings = [], [], [], [], []
    cpu_ms = shown_cpu_ms = 0.0
    before_given, before_e2e, before_len = [], [], []
    rows = []
    for q in queries:
        gold = q.answer or ""
        ids = sorted(relevant_passages(q, by_doc, texts), key=lambda cid: (chunk[cid].doc_id, chunk[cid].start))
        passage = chunk[ids[0]].text if ids else ""
        start, cpu = time.perf_counter(), time.process_time()
        part = concise(q.query, passage).text if passage else ""
        cpu_ms += (time.process_time() - cpu) * 1000
        timings.append((time.perf_counter() - start) * 1000)
        given.append(rouge_l(part, gold))
        given_len.append(len(part))
        answer = kb.ask(q.query)
        cpu = time.process_time()
        found = shown(answer)
        shown_cpu_ms += (time.process_time() - cpu) * 1000
        text = found.text if found else ""
        e2e.append(rouge_l(text, gold))
        e2e_len.append(len(text))
        # before concise answers: the curated FAQ answer, else the whole best passage
        old = answer.faq.answer if answer.faq else (answer.hits[0].text if answer.hits else "")
        before_given.append(rouge_l(passage, gold))
        before_e2e.append(rouge_l(old, gold))
        before_len.append(len(old))
        rows.append({"qid": q.qid, "given": round(given[-1], 4), "end_to_end": round(e2e[-1], 4), "shown": text})
    out: Dict[str, Any] = summary(given, e2e, e2e_len)
    out.update({
        "median_chars_given_passage": float(statistics.median(given_len)),
        "whole_passage": summary(before_given, before_e2e, before_len),
        "extract_ms": {"p50": round(percentile(timings, 50), 3), "p95": round(percentile(timings, 95), 3),
                       "max": round(max(timings), 3)},
        # CPU time per answer (the process's, so other load on the machine does not count): the selector given the
        # passage, and what the chat calls end to end (:func:`shown`, the search itself not included)
        "extract_cpu_ms_mean": round(cpu_ms / len(queries), 3),
        "shown_cpu_ms_mean": round(shown_cpu_ms / len(queries), 3),
        "split": split, "n_queries": len(queries), "corpus": str(corpus), "queries": str(queries_path),
        "rows": rows,
    })
    return out


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="policybot eval answers")
    parser.add_argument("--corpus", type=Path, required=True, help="knowledge directory or jsonl of {docid, text}")
    parser.add_argument("--queries", type=Path, required=True, help="jsonl of {qid, query, docid|relevant_ids, answer}")
    parser.add_argument("--split", choices=SPLITS, default="all",
                        help="all queries, the half the rules were tuned on, or the held-out half")
    parser.add_argument("--index-dir", type=Path, default=None, help="where the index and model go (default var/eval/...)")
    parser.add_argument("--config", type=Path, default=None, help="index_builder config (default index_builder/config.yml)")
    parser.add_argument("--json", action="store_true", help="end with one JSON line of every figure")
    args = parser.parse_args(argv)
    from knowledge.corpus import InvalidCorpus

    try:
        out = evaluate(args.corpus, args.queries, args.split, args.index_dir, args.config,
                       log=lambda s: print(s, file=sys.stderr))
    except (InvalidCorpus, ValueError, FileNotFoundError) as exc:
        print(f"eval answers: {exc}", file=sys.stderr)
        return 1
    out.pop("rows")
    whole = out["whole_passage"]
    print(f"{out['queries']} ({out['split']}, {out['n_queries']} queries with an answer); ROUGE-L F1, character level")
    print(f"{'':22}{'concise':>10}{'whole passage':>15}")
    print(f"{'given the passage':22}{out['rouge_l_given_passage']:>10.3f}{whole['rouge_l_given_passage']:>15.3f}")
    print(f"{'end to end':22}{out['rouge_l_end_to_end']:>10.3f}{whole['rouge_l_end_to_end']:>15.3f}")
    print(f"{'median chars shown':22}{out['median_chars']:>10.0f}{whole['median_chars']:>15.0f}")
    print(f"extraction: p50 {out['extract_ms']['p50']} ms, p95 {out['extract_ms']['p95']} ms, max {out['extract_ms']['max']} ms;"
          f" CPU {out['extract_cpu_ms_mean']} ms per answer given the passage, {out['shown_cpu_ms_mean']} ms end to end")
    if args.json:
        print(json.dumps(out, ensure_ascii=False))
    return 0
