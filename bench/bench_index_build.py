"""Index build time on a synthetic corpus of 20,000 passages (target: at most 180 s on 2 cores).

Same run, as baselines: the rebuild with nothing changed, and an incremental rebuild after one document
changed (with the just-trained model as a fixed drop-in, so only that document is re-embedded).
Prints the figures and a final JSON line; the ratios are against the full build.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_index_synthetic import write_corpus  # noqa: E402

from index_builder.builder import build_index  # noqa: E402
from index_builder.config import load_config  # noqa: E402

TARGET_S = 180.0


def timed_build(corpus: Path, out: Path, overrides: dict) -> tuple[float, dict]:
    start = time.time()
    report = build_index(corpus, out, load_config(None, overrides), log=lambda s: None, progress=False)
    return time.time() - start, report


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--chunks", type=int, default=20000)
    parser.add_argument("--work", type=Path, default=None, help="working directory (default: a temporary one)")
    args = parser.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="bench-index-"))
    corpus = write_corpus(work / "corpus.jsonl", args.chunks)
    model = work / "embedder"
    shutil.rmtree(model, ignore_errors=True)
    shutil.rmtree(work / "index", ignore_errors=True)
    full_s, full = timed_build(corpus, work / "index", {"embedder": {"train_dir": str(model)}})
    noop_s, noop = timed_build(corpus, work / "index", {"embedder": {"train_dir": str(model)}})
    fixed = {"embedder": {"model": str(model)}}
    fixed_s, _ = timed_build(corpus, work / "index-fixed", fixed)  # the trained model as a drop-in: no training
    lines = corpus.read_text(encoding="utf-8").splitlines()
    doc = json.loads(lines[0])
    lines[0] = json.dumps({**doc, "text": doc["text"] + " 五、附则 本通知自印发之日起施行。"}, ensure_ascii=False)
    corpus.write_text("\n".join(lines) + "\n", encoding="utf-8")
    inc_s, inc = timed_build(corpus, work / "index-fixed", fixed)
    out = {
        "chunks": full["chunks"]["count"], "docs": full["docs"], "full_build_s": round(full_s, 1),
        "target_s": TARGET_S, "full_vs_target": round(full_s / TARGET_S, 3), "stages_s": full["seconds"],
        "train_s": full["model"]["train_seconds"], "pairs": full["model"]["pairs"],
        "noop_rebuild_s": round(noop_s, 2), "noop_skipped": noop["skipped"], "noop_vs_full": round(noop_s / full_s, 4),
        "drop_in_build_s": round(fixed_s, 1), "incremental_rebuild_s": round(inc_s, 1), "incremental_embedded_docs": len(inc["embedded_docs"]),
        "incremental_vs_full": round(inc_s / full_s, 3),
    }
    print(f"synthetic corpus: {out['docs']} documents, {out['chunks']} passages ({work})")
    print(f"full build {full_s:.1f} s (target {TARGET_S:.0f} s): " + ", ".join(f"{k} {v:.1f}s" for k, v in full["seconds"].items()))
    print(f"rebuild, nothing changed: {noop_s:.2f} s (skipped={noop['skipped']})")
    print(f"build with the trained model as a drop-in (no training): {fixed_s:.1f} s")
    print(f"incremental rebuild, one document changed, fixed model: {inc_s:.1f} s, "
          f"{len(inc['embedded_docs'])} document(s) re-embedded")
    print(json.dumps(out, ensure_ascii=False))
    if args.work is None:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
