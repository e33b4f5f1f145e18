"""The CLI the lead wires as `policybot eligibility …` / `policybot grants run`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from eligibility.cli import main


def test_seed_then_grants_run_is_idempotent(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                             capsys: pytest.CaptureFixture) -> None:
    monkeypatch.setenv("ELIGIBILITY_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.setenv("ELIGIBILITY_TODAY", "2026-11-27")
    monkeypatch.setenv("ELIGIBILITY_SECRETS_DIR", str(tmp_path / "secrets"))  # not the repository's var/secrets
    assert main(["seed", "--enterprises", "300", "--citizens", "200"]) == 0
    seeded = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert seeded["profiles"] == 505
    assert main(["seed"]) == 0 and "nothing seeded" in capsys.readouterr().out
    assert main(["grants", "run"]) == 0
    first = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert first["grants_created"] >= 2  # at least the two known 免申即享 profiles
    assert main(["grants", "run"]) == 0
    assert json.loads(capsys.readouterr().out.strip().splitlines()[-1])["grants_created"] == 0
