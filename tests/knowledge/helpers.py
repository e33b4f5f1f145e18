"""Small fixtures shared by the corpus, search, evaluation and index_builder tests: a five-document corpus (its
text in fixtures/corpus, its rules in fixtures/rules), a tiny config."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any, Dict

from index_builder.config import Config, load_config
from knowledge.corpus import rules_dir

FIXTURES = Path(__file__).resolve().parent / "fixtures"
CORPUS = FIXTURES / "corpus"
RULES = rules_dir(CORPUS)
PLAIN = FIXTURES / "plain"

TINY: Dict[str, Any] = {
    "embedder": {"dim": 32, "epochs": 2, "batch_size": 32, "lr": 0.02, "min_word_count": 1, "max_pairs": 2000,
                 "threads": 1},
    "faiss": {"factory": "Flat"},
}


def tiny_config(model_dir: Path, **over: Any) -> Config:
    """The default settings made small (a 32-dimensional model, two epochs), training into model_dir."""
    cfg = load_config(None, TINY).with_overrides({"embedder": {"train_dir": str(model_dir)}})
    return cfg.with_overrides(over) if over else cfg


def copy_corpus(dest: Path) -> Path:
    """A copy of the fixture corpus at dest, with its rules where the loader looks for them (rules_dir(dest))."""
    shutil.copytree(CORPUS, dest)
    shutil.copytree(RULES, rules_dir(dest))
    return dest
