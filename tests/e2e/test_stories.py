"""Every test story (tests/stories/) is predicted exactly by the trained dialogue policies:
`rasa test core --fail-on-prediction-errors`, with the model `policybot run` would serve."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from policybot.supervisor import prepare

ROOT = Path(__file__).resolve().parents[2]


def test_rasa_test_core_passes_every_story(tmp_path: Path) -> None:
    model = prepare()
    stories = sorted((ROOT / "tests" / "stories").glob("*.yml"))
    assert len(stories) >= 5
    result = subprocess.run(
        [sys.executable, "-m", "rasa", "test", "core", "--model", str(model), "--stories", str(ROOT / "tests" / "stories"),
         "--out", str(tmp_path), "--fail-on-prediction-errors", "--no-plot"],
        cwd=ROOT, capture_output=True, text=True, timeout=900)
    failed = (tmp_path / "failed_test_stories.yml")
    detail = failed.read_text(encoding="utf-8")[:3000] if failed.exists() else result.stdout[-3000:]
    assert result.returncode == 0, f"rasa test core failed (exit {result.returncode}):\n{detail}\n{result.stderr[-2000:]}"
    report = (tmp_path / "story_report.json")
    assert report.exists(), "rasa test core wrote no story report"
