"""Training the Rasa model from nothing, as a fresh clone does (issue 14, point 6: target <= 8 minutes).

Runs what `make train` runs on a cache miss: the generated inputs (`prepare_generated`), then the `rasa train`
of `policybot.train` with config.yml into a temporary folder (the model cache is neither read nor written;
`--install` keeps config.yml's model as `make train` would), and reads each component's start and finish from
Rasa's log. With `--baseline-config FILE` it first trains that config the same way, in the same run, and reports
the ratio; `--baseline-settings` does the same with config.yml changed by COMPONENT.KEY=VALUE pairs
(`make bench-train` gives the settings before issue 14.6). The baseline runs Rasa's data check before training,
as `make train` did then. Rasa's own training cache is pointed at an empty folder, so every component trains.
Prints the figures and a final JSON line.

    PYTHONPATH=. .venv/bin/python bench/bench_train.py [--install] [--baseline-settings DIETClassifier.epochs=60,...]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from typing import Any, Dict, Optional

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from policybot import paths  # noqa: E402
from policybot.train import prepare_generated, rasa_train_command  # noqa: E402

STEP = re.compile(r"^(\S+ \S+) INFO\s+rasa\.engine\.training\.hooks\s+- (Starting to train|Finished training) component '(\w+)'")


def component_seconds(log: str) -> Dict[str, float]:
    """Seconds per trained component (two components of one class are numbered: CountVectorsFeaturizer_2)."""
    started: Dict[str, datetime] = {}
    out: Dict[str, float] = {}
    for line in log.splitlines():
        m = STEP.match(line.strip())
        if not m:
            continue
        stamp, what, name = datetime.strptime(m.group(1), "%Y-%m-%d %H:%M:%S"), m.group(2), m.group(3)
        if what.startswith("Starting"):
            key, n = name, 2
            while key in out or key in started:
                key, n = f"{name}_{n}", n + 1
            started[key] = stamp
        else:
            key = next(k for k in reversed(list(started)) if k == name or k.startswith(name + "_"))
            out[key] = (stamp - started.pop(key)).total_seconds()
    return out


def changed_config(settings: str, folder: Path) -> Path:
    """config.yml with COMPONENT.KEY=VALUE changes (a component named by the last part of its name)."""
    import yaml

    config = yaml.safe_load(paths.CONFIG.read_text(encoding="utf-8"))
    # a comma starts the next pair only before COMPONENT.KEY= (a value may be a list: DIETClassifier.batch_size=[64, 256])
    for pair in filter(None, (p.strip() for p in re.split(r",(?=\s*\w+\.\w+=)", settings))):
        target, _, value = pair.partition("=")
        component, _, key = target.rpartition(".")
        matches = [c for c in config["pipeline"] + config["policies"] if c["name"].split(".")[-1] == component]
        if not matches or not key:
            raise SystemExit(f"no component {component!r} in config.yml (setting {pair!r})")
        for c in matches:
            c[key] = yaml.safe_load(value)
    out = folder / "baseline_config.yml"
    out.write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return out


def train(config: Path, install: bool = False, validate: bool = False) -> Dict[str, Any]:
    """`rasa train` as `make train` runs it (``validate``: with Rasa's check of the data first, as before issue
    14.6). ``install``: the model becomes the one `make train` would have trained (config.yml only): it is copied to
    var/models/rasa and the machine's cache under its fingerprint's name, so the timed training is not repeated."""
    start = time.perf_counter()
    cpu_start = resource.getrusage(resource.RUSAGE_CHILDREN)
    prepare_generated()
    prepared = time.perf_counter() - start
    with tempfile.TemporaryDirectory() as out, tempfile.TemporaryDirectory() as cache:
        run = subprocess.run(rasa_train_command(config, Path(out), "bench", validate=validate), cwd=paths.ROOT,
                             capture_output=True, text=True,
                             env={**os.environ, "PYTHONPATH": str(paths.ROOT), "RASA_CACHE_DIRECTORY": cache})
        if run.returncode != 0:
            raise SystemExit(f"rasa train failed:\n{run.stdout[-2000:]}\n{run.stderr[-2000:]}")
        size = (Path(out) / "bench.tar.gz").stat().st_size
        if install:
            from policybot.train import _model_places

            _, local, cached = _model_places()
            for place in (local, cached):
                place.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(Path(out) / "bench.tar.gz", place)
            print(f"installed {local.name}")
    wall = time.perf_counter() - start
    cpu_end = resource.getrusage(resource.RUSAGE_CHILDREN)
    return {"config": str(config), "seconds": round(wall, 1), "prepare_seconds": round(prepared, 1),
            "cpu_seconds": round(cpu_end.ru_utime + cpu_end.ru_stime - cpu_start.ru_utime - cpu_start.ru_stime, 1),
            "components": component_seconds(run.stdout + run.stderr), "model_bytes": size}


def main(argv: Optional[list] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", type=Path, default=paths.CONFIG)
    parser.add_argument("--baseline-config", type=Path, default=None)
    parser.add_argument("--baseline-settings", default="", help="COMPONENT.KEY=VALUE,... applied to config.yml")
    parser.add_argument("--install", action="store_true", help="keep config.yml's model as `make train` would")
    parser.add_argument("--baseline-skips-validation", action="store_true",
                        help="the baseline skips Rasa's data check too (by default it runs it, as before issue 14.6)")
    args = parser.parse_args(argv)
    load_before = os.getloadavg()[0]
    runs = {}
    with tempfile.TemporaryDirectory() as tmp:
        baseline = args.baseline_config or (changed_config(args.baseline_settings, Path(tmp)) if args.baseline_settings else None)
        if baseline:
            runs["baseline"] = train(baseline, validate=not args.baseline_skips_validation)
            runs["baseline"]["settings"] = args.baseline_settings or str(args.baseline_config)
        runs["shipped"] = train(args.config, install=args.install and args.config == paths.CONFIG)
    for name, run in runs.items():
        slowest = sorted(run["components"].items(), key=lambda kv: -kv[1])[:6]
        print(f"{name}: {run['seconds']:.0f} s ({run['cpu_seconds']:.0f} s CPU); "
              + ", ".join(f"{k} {v:.0f} s" for k, v in slowest))
    result: Dict[str, Any] = {"bench": "train", "target_seconds": 480, "load_average_before": round(load_before, 2),
                              "seconds": runs["shipped"]["seconds"], "runs": runs}
    if "baseline" in runs:
        result["ratio_to_baseline"] = round(runs["shipped"]["seconds"] / runs["baseline"]["seconds"], 3)
    print(json.dumps(result, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
