"""`policybot eval nlu-pipeline --train T.tsv --test E.tsv [--json]`

Trains the NLU pipeline of config.yml, unchanged, on a tsv of text<TAB>label and scores it on another:
a check that the pipeline generalises to real Chinese queries nobody on the team wrote (for example
SMP2017-ECDT). Nothing from those files is kept in the repository: the model goes to a temp folder.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

import yaml

from policybot import paths
from policybot.eval_nlu import evaluate, print_report
from policybot.train import prepare_generated


def read_tsv(path: Path) -> List[Tuple[str, str]]:
    rows = []
    for i, line in enumerate(path.read_text(encoding="utf-8-sig").splitlines()):
        line = line.lstrip("\ufeff")
        if not line.strip() or (i == 0 and line.lower().startswith("text\t")):
            continue
        text, _, label = line.rpartition("\t")
        if text.strip() and label.strip():
            rows.append((text.strip(), label.strip()))
    return rows


def write_nlu(rows: List[Tuple[str, str]], path: Path) -> None:
    by_label: dict = {}
    for text, label in rows:
        by_label.setdefault(label, []).append(text.replace("\n", " "))
    data = {"version": "3.1", "nlu": [{"intent": label, "examples": "".join(f"- {t}\n" for t in sorted(set(texts)))}
                                      for label, texts in sorted(by_label.items())]}
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=10000), encoding="utf-8")


def nlu_config_dict() -> Dict[str, Any]:
    """config.yml's pipeline as it is; ResponseSelector has no retrieval intent to learn here, so it goes."""
    config: Dict[str, Any] = yaml.safe_load(paths.CONFIG.read_text(encoding="utf-8"))
    config["pipeline"] = [c for c in config["pipeline"] if c["name"] != "ResponseSelector"]
    config.pop("policies", None)
    return config


def write_config(config: Dict[str, Any], path: Path) -> None:
    path.write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False), encoding="utf-8")


def nlu_config(path: Path) -> None:
    """``nlu_config_dict()`` written to ``path``."""
    write_config(nlu_config_dict(), path)


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="policybot eval nlu-pipeline")
    parser.add_argument("--train", type=Path, required=True)
    parser.add_argument("--test", type=Path, required=True)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    prepare_generated()
    train, test = read_tsv(args.train), read_tsv(args.test)
    print(f"train {len(train)} examples, {len({label for _, label in train})} labels; test {len(test)}")
    with tempfile.TemporaryDirectory() as tmp:
        tmpdir = Path(tmp)
        write_nlu(train, tmpdir / "nlu.yml")
        nlu_config(tmpdir / "config.yml")
        start = time.time()
        subprocess.run([sys.executable, "-m", "rasa", "train", "nlu", "--config", str(tmpdir / "config.yml"),
                        "--nlu", str(tmpdir / "nlu.yml"), "--out", str(tmpdir), "--fixed-model-name", "pipeline"],
                       cwd=paths.ROOT, check=True, stdout=subprocess.DEVNULL)
        train_s = time.time() - start
        report = evaluate(tmpdir / "pipeline.tar.gz", [(t, label, set()) for t, label in test])
    print_report(report)
    print(f"training took {train_s:.0f} s")
    if args.json:
        summary = {k: v for k, v in report.items() if k not in ("per_label", "errors", "confusion_image")}
        summary["train_seconds"] = round(train_s, 1)
        summary["per_label_f1"] = {k: round(v["f1"], 4) for k, v in report["per_label"].items()}
        print(json.dumps(summary, ensure_ascii=False))
    return 0
