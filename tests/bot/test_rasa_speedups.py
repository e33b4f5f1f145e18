"""Rasa's check of the action server's answers, with the schema checked once: same verdicts, same error."""

from __future__ import annotations

import subprocess
import sys
from typing import Any, Dict

import pytest
from jsonschema import ValidationError

from bot.rasa_speedups import MARK, install

GOOD: Dict[str, Any] = {"events": [{"event": "slot", "name": "pending_field", "value": {"field": "employees"},
                                    "timestamp": None}],
                        "responses": [{"text": "请问贵单位有多少名员工？", "buttons": []}]}


def test_a_good_answer_passes_without_rasas_per_call_schema_check(monkeypatch: pytest.MonkeyPatch) -> None:
    assert install() is True and install() is True  # idempotent
    from rasa.core.actions.action import RemoteAction

    assert getattr(RemoteAction, MARK)
    import jsonschema

    def no_one_shot(*_: Any, **__: Any) -> None:
        raise AssertionError("jsonschema.validate (schema checked again) was called for a good answer")

    monkeypatch.setattr(jsonschema, "validate", no_one_shot)
    assert RemoteAction("action_ask_pending_answer", None)._validate_action_result(GOOD) is True


@pytest.mark.parametrize("bad", [{"events": {"event": "slot"}}, {"events": [{"event": "no_such_event"}]},
                                 {"responses": "text"}])
def test_a_bad_answer_gets_rasas_own_error(bad: Dict[str, Any]) -> None:
    install()
    from rasa.core.actions.action import RemoteAction

    with pytest.raises(ValidationError) as raised:
        RemoteAction("action_show_matches", None)._validate_action_result(bad)
    assert "Failed to validate Action server response from API" in raised.value.message


def test_installed_in_a_rasa_process_and_nowhere_else() -> None:
    """Rasa imports the bot package (its NLU components); the action server does not import Rasa."""
    code = ("import sys, rasa, bot, bot.answers\n"
            "from rasa.core.actions.action import RemoteAction\n"
            f"print(getattr(RemoteAction, {MARK!r}, False))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert out.stdout.strip().endswith("True"), out.stderr[-2000:]
    code = "import sys, bot, bot.answers, actions.matching\nprint('rasa' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert out.stdout.strip() == "False", out.stderr[-2000:]
