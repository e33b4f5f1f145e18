"""`policybot train`: train the Rasa model once per fingerprint of everything that goes into it.

The fingerprint covers config.yml, the domain, the NLU/story data, the data generated from the corpus,
the jieba user dictionary and the custom NLU components (not the rules they apply only when parsing). A model
with that fingerprint is reused from var/models/rasa or from the shared cache (POLICYBOT_CACHE, default
~/.cache/zhengcetong), so a clean checkout on the same machine does not retrain what it already trained.
"""

from __future__ import annotations

import argparse
import fcntl
import os
import shutil
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, List, Optional, Tuple

from policybot import paths
from policybot.fingerprint import fingerprint


def cache_dir() -> Path:
    return Path(os.environ.get("POLICYBOT_CACHE", Path.home() / ".cache" / "zhengcetong"))


def prepare_generated() -> None:
    """The jieba dictionary and the NLU names, both generated from the corpus."""
    from bot.training_data import write as write_nlu
    from index_builder.jieba_dict import write_user_dict

    write_user_dict(paths.CORPUS, paths.JIEBA_DICT)
    write_nlu(paths.CORPUS, paths.GENERATED_NLU, paths.NLU_DATA)


def model_fingerprint() -> str:
    import rasa

    # What training reads: the components' code and the tokenizer's simplification. The rules the components
    # apply only when parsing (bot/entity_rules, patterns, ratings, quantities, identity_text, gazetteer,
    # privacy/masking) are read from the code at run time: changing them needs no new model. patterns.py's codes
    # and districts reach training through the generated NLU data, which is fingerprinted.
    inputs = [paths.CONFIG, paths.DOMAIN, paths.NLU_DATA, paths.GENERATED_NLU, paths.JIEBA_DICT,
              paths.ROOT / "bot" / "components", paths.ROOT / "knowledge" / "simplified.py"]
    return fingerprint(inputs, paths.ROOT, extra=f"rasa {rasa.__version__}", suffixes=(".yml", ".yaml", ".py", ".txt", ""))


def _model_places() -> Tuple[str, Path, Path]:
    """The model's file name for the current inputs, its place in var/ and in the machine's cache."""
    prepare_generated()
    name = f"policybot-{model_fingerprint()[:16]}.tar.gz"
    return name, paths.RASA_MODELS / name, cache_dir() / "rasa-models" / name


def model_available() -> bool:
    """True when `ensure_model` would not train: the model of these inputs is here or in the cache."""
    _, local, cached = _model_places()
    return local.exists() or cached.exists()


def train_in_background(log: Path) -> subprocess.Popen[bytes]:
    """`policybot train` in another process (it holds the training lock, so `ensure_model` elsewhere waits for it)."""
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "ab") as out:
        return subprocess.Popen([sys.executable, "-m", "policybot.cli", "train"], cwd=paths.ROOT, stdout=out,
                                stderr=subprocess.STDOUT)


def ensure_model(force: bool = False) -> Path:
    name, local, cached = _model_places()
    if local.exists() and not force:
        print(f"train: model {name} is up to date")
        return local
    paths.RASA_MODELS.mkdir(parents=True, exist_ok=True)
    if cached.exists() and not force:
        shutil.copy2(cached, local)
        print(f"train: reused {name} from {cached.parent}")
        return local
    with _training_lock():
        if local.exists() and not force:  # another process trained it while this one waited
            print(f"train: model {name} was trained meanwhile")
            return local
        return _train(name, local, cached)


@contextmanager
def _training_lock() -> Iterator[None]:
    """One training at a time on this machine (tests and `make run` may ask for the same model at once)."""
    paths.RASA_MODELS.mkdir(parents=True, exist_ok=True)
    with open(paths.RASA_MODELS / ".train.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def rasa_train_command(config: Path, out: Path, model_name: str, validate: bool = False) -> List[str]:
    """The `rasa train` that trains our model. Rasa's own check of the data before training is skipped
    (12-15 s of an 8-minute training): the test command runs `rasa data validate --fail-on-warnings` on the
    same data, stricter, and CI runs it on every change."""
    return [sys.executable, "-m", "rasa", "train", "--config", str(config), "--domain", str(paths.DOMAIN),
            "--data", str(paths.NLU_DATA), str(paths.GENERATED_NLU), "--out", str(out),
            "--fixed-model-name", model_name, *([] if validate else ["--skip-validation"])]


def _train(name: str, local: Path, cached: Path) -> Path:
    print(f"train: training {name} (data or config changed)")
    start = time.time()
    subprocess.run(rasa_train_command(paths.CONFIG, paths.RASA_MODELS, name.removesuffix(".tar.gz")), cwd=paths.ROOT,
                   check=True)
    print(f"train: done in {time.time() - start:.0f} s")
    cached.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(local, cached)
    return local


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="policybot train")
    parser.add_argument("--force", action="store_true", help="train even if a model with this fingerprint exists")
    args = parser.parse_args(argv)
    print(ensure_model(force=args.force))
    return 0
