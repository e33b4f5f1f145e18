"""The suite runs the tests that need the trained Rasa model last, so a clone without the model trains it in
the background while the others run (tests/conftest.py). A test file that starts Rasa outside the listed
folders would wait for the training at once: this keeps the list complete."""

from __future__ import annotations

import re
from pathlib import Path

from tests.conftest import NEEDS_MODEL, needs_model

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


def test_the_order_puts_model_tests_last_and_keeps_the_rest() -> None:
    ids = ["tests/e2e/test_a.py::t", "tests/search/test_b.py::t", "tests/bot/channels/test_c.py::t",
           "tests/bot/test_d.py::t", "tests/bot/test_rasa_speedups_model.py::t"]
    ordered = sorted(ids, key=needs_model)
    assert ordered == ["tests/search/test_b.py::t", "tests/bot/channels/test_c.py::t", "tests/bot/test_d.py::t",
                       "tests/e2e/test_a.py::t", "tests/bot/test_rasa_speedups_model.py::t"]
