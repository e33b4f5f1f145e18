"""The suite runs the tests that need the trained Rasa model apart (last in one process, first on one xdist
worker), so a clone without the model trains it in the background while the others run (tests/conftest.py). A test
file that starts Rasa outside the listed folders would wait for the training at once: this keeps the list
complete."""

from __future__ import annotations

import re
from pathlib import Path
from typing import List

import pytest

from tests.conftest import MODEL_GROUP, NEEDS_MODEL, group_of, needs_model, order_key

ROOT = Path(__file__).resolve().parents[2]
STARTS_RASA = re.compile(r"\bprepare\(\)|\bload_agent\(|\bStack\(|\bensure_model\(")


def test_every_test_file_that_starts_rasa_runs_last() -> None:
    starting = [p.relative_to(ROOT).as_posix() for p in (ROOT / "tests").rglob("*.py")
                if STARTS_RASA.search(p.read_text(encoding="utf-8")) and p.name != "conftest.py"
                and p.parent != ROOT / "tests"]
    assert starting, "the pattern no longer finds the e2e tests"
    missing = [f for f in starting if not needs_model(f + "::x") and not _uses_a_listed_conftest(f)]
    assert not missing, f"these start Rasa but are not in tests/conftest.NEEDS_MODEL: {missing}"


def _uses_a_listed_conftest(path: str) -> bool:
    return any(path.startswith(prefix) for prefix in NEEDS_MODEL if prefix.endswith("/"))


IDS = ["tests/e2e/test_a.py::t", "tests/search/test_b.py::t", "tests/bot/channels/test_c.py::t",
       "tests/bot/test_d.py::t", "tests/bot/test_rasa_speedups_model.py::t", "tests/search/test_b.py::u"]


def test_one_process_puts_model_tests_last_and_keeps_the_rest() -> None:
    assert sorted(IDS, key=lambda i: order_key(i, parallel=False)) == [
        "tests/search/test_b.py::t", "tests/bot/channels/test_c.py::t", "tests/bot/test_d.py::t",
        "tests/search/test_b.py::u", "tests/e2e/test_a.py::t", "tests/bot/test_rasa_speedups_model.py::t"]


def test_xdist_puts_the_model_group_first_and_keeps_each_file_together() -> None:
    ordered = sorted(IDS, key=lambda i: order_key(i, parallel=True))
    assert ordered[:2] == ["tests/e2e/test_a.py::t", "tests/bot/test_rasa_speedups_model.py::t"]
    assert [group_of(i) for i in ordered] == [MODEL_GROUP, MODEL_GROUP, "tests/search/test_b.py",
                                             "tests/bot/channels/test_c.py", "tests/bot/test_d.py",
                                             "tests/search/test_b.py"]


def test_make_test_runs_the_suite_on_workers_by_group() -> None:
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    pytest_line = [line for line in makefile.split("\ntest:", 1)[1].split("\n\n", 1)[0].splitlines()
                   if "-m pytest" in line][0]
    assert "-n $(TEST_WORKERS)" in pytest_line and "--dist loadgroup" in pytest_line


def test_make_test_starts_the_missing_model_first(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`python -m policybot.prepare_data --train-in-background LOG` (the first step of `make test`) starts the
    training only when no model of these inputs exists, and without the flag never."""
    from policybot import prepare_data

    started: List[Path] = []
    monkeypatch.setattr(prepare_data, "prepare_generated", lambda: None)

    def train_in_background(log: Path) -> _Process:
        started.append(log)
        return _Process()

    monkeypatch.setattr(prepare_data, "train_in_background", train_in_background)
    log = tmp_path / "train.log"
    for available, flag, expected in ((True, True, 0), (False, False, 0), (False, True, 1)):
        monkeypatch.setattr(prepare_data, "model_available", lambda available=available: available)
        assert prepare_data.main(["--train-in-background", str(log)] if flag else []) == 0
        assert len(started) == expected, (available, flag)
        started.clear()
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    recipe = makefile.split("\ntest:", 1)[1].split("\n\n", 1)[0]
    assert recipe.splitlines()[1].strip().endswith("policybot.prepare_data --train-in-background "
                                                   "var/logs/train-background.log")


class _Process:
    pid = 1
