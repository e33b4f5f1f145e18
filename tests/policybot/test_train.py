"""`policybot train`'s command: Rasa's data check is skipped only because the test command runs it, stricter."""

from __future__ import annotations

from pathlib import Path

from policybot import paths
from policybot.train import rasa_train_command


def test_training_skips_the_data_check_that_make_test_runs_with_warnings_as_errors() -> None:
    command = rasa_train_command(paths.CONFIG, Path("/tmp/out"), "m")
    assert command[command.index("train") - 2:command.index("train") + 1] == ["-m", "rasa", "train"]
    assert "--skip-validation" in command
    assert "--skip-validation" not in rasa_train_command(paths.CONFIG, Path("/tmp/out"), "m", validate=True)
    makefile = (paths.ROOT / "Makefile").read_text(encoding="utf-8")
    recipe = makefile.split("\ntest:", 1)[1].split("\n\n", 1)[0]
    assert "rasa data validate" in recipe and "--fail-on-warnings" in recipe
