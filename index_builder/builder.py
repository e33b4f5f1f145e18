"""Build (incrementally) an index directory from a corpus; skip at once when nothing changed."""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Dict, List

from index_builder.config import Config
from index_builder.model_source import model_fingerprint
from index_builder.sources import Source, load_sources
from index_builder.versions import BUILD_VERSION, TRAIN_VERSION
from search import index_files as F

Log = Callable[[str], None]
INDEX_FILES = (F.CHUNKS, F.DOCS, F.FAQ, F.DENSE, F.EMBEDDINGS, F.FAQ_EMBEDDINGS, F.BM25_CHUNKS, F.BM25_DOCS)


@dataclass
class Timer:
    seconds: Dict[str, float] = field(default_factory=dict)
    _t: float = field(default_factory=time.time)

    def lap(self, name: str) -> None:
        now = time.time()
        self.seconds[name] = round(now - self._t, 3)
        self._t = now

    def total(self) -> float:
        return round(sum(self.seconds.values()), 3)


def sha(parts: List[str]) -> str:
    return hashlib.sha256("\x00".join(parts).encode("utf-8")).hexdigest()


def settings_fingerprint(cfg: Config) -> str:
    """What the index files depend on (search settings are only copied into the manifest)."""
    used = {k: cfg.raw.get(k) for k in ("embedder", "chunker", "analyzer", "bm25", "faiss")}
    return sha([BUILD_VERSION, TRAIN_VERSION, json.dumps(used, sort_keys=True, default=str)])


def corpus_fingerprint(sources: List[Source]) -> str:
    return sha([f"{s.doc_id}:{s.fingerprint()}" for s in sources])


def model_dir(cfg: Config) -> tuple[Path, bool]:
    """(model directory, whether it is a configured drop-in rather than the trained default)."""
    configured = cfg.path(cfg.embedder.get("model"))
    if configured is not None:
        return configured, True
    return cfg.path(cfg.embedder.get("train_dir") or "var/models/embedder") or Path("var/models/embedder"), False


def up_to_date(out: Path, corpus_fp: str, settings_fp: str, model: Path) -> bool:
    try:
        manifest = F.read_manifest(out)
    except (FileNotFoundError, ValueError):
        return False
    recorded = manifest.get("model", {})
    return (manifest.get("corpus_fingerprint") == corpus_fp and manifest.get("settings_fingerprint") == settings_fp
            and recorded.get("path") == str(model) and recorded.get("fingerprint") == model_fingerprint(model)
            and all((out / f).exists() for f in INDEX_FILES))


def build_index(corpus: Path, out: Path, cfg: Config, log: Log = print, progress: bool = True,
                force: bool = False, retrain: bool = False) -> Dict[str, Any]:
    """Build the index for `corpus` into `out`; return the build report (also written to out).

    The trained default embedding model is kept while few documents changed (`embedder.retrain_share`);
    `retrain` trains it anew (and so re-embeds everything).

    Raises knowledge.corpus.InvalidCorpus (every error listed) for an invalid knowledge directory.
    """
    timer = Timer()
    sources = load_sources(corpus)
    timer.lap("validate")
    corpus_fp, settings_fp = corpus_fingerprint(sources), settings_fingerprint(cfg)
    model, drop_in = model_dir(cfg)
    out = Path(out)
    if not force and not retrain and up_to_date(out, corpus_fp, settings_fp, model):
        manifest = F.read_manifest(out)
        if manifest.get("search") != cfg.search:
            F.write_json(out / F.MANIFEST, {**manifest, "search": cfg.search})
        report = F.read_json(out / F.REPORT) if (out / F.REPORT).exists() else {}
        timer.lap("check")
        report.update(skipped=True, seconds=timer.seconds, total_seconds=timer.total())
        return report
    from index_builder.steps import run_build  # heavy imports (torch, faiss) only when building

    return run_build(sources, out, cfg, timer, {"corpus_fingerprint": corpus_fp, "settings_fingerprint": settings_fp},
                     model, drop_in, log, progress, retrain)
