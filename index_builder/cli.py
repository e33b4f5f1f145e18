"""`python -m index_builder build [--corpus DIR|FILE.jsonl] [--out DIR] [--config FILE] [--force] [--retrain]`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any, Dict, List, Optional

from index_builder.config import DEFAULT_CONFIG, load_config
from knowledge.corpus import InvalidCorpus


def summary(report: Dict[str, Any]) -> str:
    if report.get("skipped"):
        return f"index {report.get('index', '')} is up to date ({report.get('total_seconds', 0):.1f} s)"
    chunks, model = report["chunks"], report["model"]
    lines = [
        f"index {report['index']}: {report['docs']} documents, {chunks['count']} chunks "
        f"(median {chunks['median_chars']} chars), {report['faq']} FAQ entries, {report['dictionary_terms']} dictionary terms",
        f"  embedded {len(report['embedded_docs'])} documents anew, reused {report['reused_docs']}; "
        f"removed {len(report['removed_docs'])}",
        f"  model {model['path']}: " + ("drop-in" if model["drop_in"] else
                                        (f"trained in {model['train_seconds']} s on {model['pairs']} pairs"
                                         if model["trained"] else "unchanged, not retrained")),
        f"  FAISS {report['faiss_factory']}; " + ", ".join(f"{k} {v:.1f}s" for k, v in report["seconds"].items()),
        f"  total {report['total_seconds']:.1f} s",
    ]
    return "\n".join(lines)


def main(argv: Optional[List[str]] = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "build":
        argv = argv[1:]
    parser = argparse.ArgumentParser(prog="policybot build-index", description="build the search index")
    parser.add_argument("--corpus", type=Path, default=None, help="knowledge directory or jsonl of {docid, text}")
    parser.add_argument("--out", type=Path, default=None, help="index directory (default var/index)")
    parser.add_argument("--config", type=Path, default=DEFAULT_CONFIG)
    parser.add_argument("--force", action="store_true", help="rebuild even when nothing changed")
    parser.add_argument("--retrain", action="store_true",
                        help="train the default embedding model anew (it is kept while few documents change)")
    parser.add_argument("--quiet", action="store_true", help="no progress bars")
    args = parser.parse_args(argv)
    cfg = load_config(args.config)
    corpus = args.corpus or cfg.path(cfg.raw.get("corpus") or "knowledge/corpus") or Path("knowledge/corpus")
    out = args.out or cfg.path(cfg.raw.get("out") or "var/index") or Path("var/index")
    from index_builder.builder import build_index

    try:
        report = build_index(Path(corpus), Path(out), cfg, progress=not args.quiet, force=args.force,
                             retrain=args.retrain)
    except InvalidCorpus as exc:
        print(f"refusing to build: {len(exc.errors)} error(s) in {corpus}", file=sys.stderr)
        for err in exc.errors:
            print(f"  {err}", file=sys.stderr)
        return 1
    except (ValueError, FileNotFoundError) as exc:
        print(f"refusing to build: {exc}", file=sys.stderr)
        return 1
    print(summary(report))
    return 0
