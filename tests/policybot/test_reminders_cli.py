"""`policybot reminders run`: queues the reminders and 免申即享 notices due (once) and makes a dispatch pass,
printing a JSON summary; a Rasa that cannot be reached leaves the message queued for a retry."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest
import sqlalchemy as sa

from eligibility.context import Context
from eligibility.profiles.demo import PERSONAS
from eligibility.services import bindings
from eligibility.settings import Settings
from eligibility.storage import tables as t
from policybot.cli import main

ELDER = PERSONAS[3].id  # 陈桂兰: 高龄老人津贴 (免申即享) in the demo data account


def test_reminders_run_queues_once_and_dispatches(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                  capsys: pytest.CaptureFixture) -> None:
    with socket.socket() as s:  # where Rasa is not running
        s.bind(("127.0.0.1", 0))
        closed = s.getsockname()[1]
    for name, value in {"DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}", "TODAY": "2026-11-27",
                        "SECRETS_DIR": str(tmp_path / "secrets"), "DEMO_ENTERPRISES": "20", "DEMO_CITIZENS": "20",
                        "RASA_URL": f"http://127.0.0.1:{closed}", "RASA_TIMEOUT_S": "1"}.items():
        monkeypatch.setenv(f"ELIGIBILITY_{name}", value)

    def run(*args: str) -> dict:
        assert main(["reminders", "run", *args]) == 0
        return dict(json.loads(capsys.readouterr().out.strip().splitlines()[-1]))

    first = run("--no-dispatch")
    assert first["grants"]["grants_created"] >= 1 and "dispatch" not in first
    assert first["grant_notices"] == {"chat_queued": 0}  # no conversation is bound yet
    ctx = Context(Settings())
    with ctx.db.write() as conn:
        bindings.bind(conn, ctx, "wechat-elder", "wechat", ELDER, "otp")
    second = run()
    assert second["grants"]["grants_created"] == 0 and second["grant_notices"] == {"chat_queued": 1}
    assert second["dispatch"] == {"sent": 0, "retry": 1, "failed": 0}  # Rasa unreachable: kept for a retry
    third = run()
    assert third["grant_notices"] == {"chat_queued": 0} and third["dispatch"] == {"sent": 0, "retry": 0, "failed": 0}
    with ctx.db.read() as conn:
        [row] = conn.execute(sa.select(t.outbox).where(t.outbox.c.channel == "chat")).mappings().all()
    assert (row["recipient"], row["status"], row["attempts"]) == ("wechat-elder", "queued", 1)
    assert main(["--help"]) == 0 and "reminders" in capsys.readouterr().out
