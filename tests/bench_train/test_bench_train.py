"""bench/bench_train.py's parts that need no training: the baseline config and the per-component timings."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "bench"))

import bench_train  # noqa: E402


def _options(config: Path) -> dict:
    data = yaml.safe_load(config.read_text(encoding="utf-8"))
    return {c["name"].split(".")[-1]: c for c in data["pipeline"] + data["policies"]}


def test_baseline_settings_take_list_values(tmp_path: Path) -> None:
    # the value [64, 256] holds a comma: it must not start another COMPONENT.KEY=VALUE pair
    config = bench_train.changed_config("DIETClassifier.batch_size=[64, 256],TEDPolicy.epochs=40,"
                                        "LinearIntentClassifier.solver=lbfgs", tmp_path)
    options = _options(config)
    assert options["DIETClassifier"]["batch_size"] == [64, 256]
    assert options["TEDPolicy"]["epochs"] == 40
    assert options["LinearIntentClassifier"]["solver"] == "lbfgs"
    shipped = _options(ROOT / "config.yml")
    assert options["ResponseSelector"] == shipped["ResponseSelector"]  # what is not named stays as shipped


def test_an_unknown_component_is_refused(tmp_path: Path) -> None:
    with pytest.raises(SystemExit, match="NoSuchPolicy"):
        bench_train.changed_config("NoSuchPolicy.epochs=1", tmp_path)


def test_component_seconds_numbers_a_class_used_twice() -> None:
    hook = "INFO     rasa.engine.training.hooks  - "
    log = "\n".join([
        f"2026-12-04 10:00:00 {hook}Starting to train component 'CountVectorsFeaturizer'.",
        f"2026-12-04 10:00:02 {hook}Finished training component 'CountVectorsFeaturizer'.",
        f"2026-12-04 10:00:02 {hook}Starting to train component 'CountVectorsFeaturizer'.",
        f"2026-12-04 10:00:07 {hook}Finished training component 'CountVectorsFeaturizer'.",
        f"2026-12-04 10:00:07 {hook}Starting to train component 'DIETClassifier'.",
        f"2026-12-04 10:05:07 {hook}Finished training component 'DIETClassifier'.",
    ])
    assert bench_train.component_seconds(log) == {"CountVectorsFeaturizer": 2.0, "CountVectorsFeaturizer_2": 5.0,
                                                  "DIETClassifier": 300.0}
