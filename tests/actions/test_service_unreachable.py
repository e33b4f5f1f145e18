"""The eligibility service unreachable (issue 13, faults): a turn that needs it says so once, and never asks a
conversation that holds a verified subject to verify again (the service being down is no reason to)."""

from __future__ import annotations

import asyncio
from typing import Any, Dict

import pytest
from rasa_sdk import Action
from rasa_sdk.executor import CollectingDispatcher

from actions import settings as action_settings
from actions.applications import ActionApplicationStatus, ActionPrepareApplication, ActionSubmitApplication
from actions.clients.eligibility import UNAVAILABLE
from actions.identity import ActionLogIn
from tests.actions.conftest import said, slots_set, tracker
from tests.ports import free_port

BOUND = {"profile_id": "91440309MA5H2KQ3XC", "profile_name": "深圳市华芯智云科技有限公司"}


@pytest.fixture(autouse=True)
def service_down(monkeypatch: pytest.MonkeyPatch, wired: None) -> None:
    monkeypatch.setenv("POLICYBOT_ELIGIBILITY_URL", f"http://127.0.0.1:{free_port()}")  # nothing listens there
    action_settings.get_settings.cache_clear()


@pytest.mark.parametrize("action, text, intent, slots", [
    (ActionPrepareApplication(), '/apply{"policy": "ENT-011"}', "apply", {**BOUND, "current_policy": "ENT-011"}),
    (ActionApplicationStatus(), "申报进度", "application_status", BOUND),
    (ActionLogIn(), "登录", "log_in", {}),
    (ActionSubmitApplication(), "/affirm", "affirm",
     {**BOUND, "pending_application": "ENT-011", "awaiting": "apply_confirm"}),
])
def test_one_polite_sentence_and_nothing_changed(action: Action, text: str, intent: str, slots: Dict[str, Any]) -> None:
    dispatcher = CollectingDispatcher()
    events: Any = asyncio.run(action.run(dispatcher, tracker(text, intent=intent, slots=slots), {}))
    assert said(dispatcher) == UNAVAILABLE, dispatcher.messages
    # the conversation keeps who it is bound to and what it was applying for (only a pending confirmation ends)
    assert not {"profile_id", "profile_name", "pending_application", "resume_action"} & set(slots_set(events))
