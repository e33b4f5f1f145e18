"""A custom action that cannot run (the action server down) gives one polite Chinese sentence, once per turn,
and changes nothing else; a rejection (the action server's 400) is still Rasa's to handle."""

from __future__ import annotations

import asyncio
from typing import Any, List

import pytest

from bot.action_failure import APOLOGY, MARK, install
from tests.ports import free_port


def _run(action: Any, tracker: Any) -> List[Any]:
    from rasa.core.channels.channel import CollectingOutputChannel
    from rasa.core.nlg import TemplatedNaturalLanguageGenerator
    from rasa.shared.core.domain import Domain

    domain = Domain.empty()
    return asyncio.run(action.run(CollectingOutputChannel(), TemplatedNaturalLanguageGenerator({}), tracker, domain))


def _tracker(*events: Any) -> Any:
    from rasa.shared.core.trackers import DialogueStateTracker

    return DialogueStateTracker.from_events("faults-unit", list(events))


def test_an_unreachable_action_server_gets_one_apology_per_turn() -> None:
    assert install() is True and install() is True  # idempotent
    from rasa.core.actions.action import RemoteAction
    from rasa.shared.core.events import BotUttered, UserUttered
    from rasa.utils.endpoints import EndpointConfig

    assert getattr(RemoteAction, MARK)
    nobody = EndpointConfig(f"http://127.0.0.1:{free_port()}/webhook")  # nothing listens there
    turn = _tracker(UserUttered("高新技术企业认定有什么奖励？"))
    events = _run(RemoteAction("action_answer_policy", nobody), turn)
    assert [type(e) for e in events] == [BotUttered] and events[0].text == APOLOGY
    # a second custom action in the same turn adds nothing; the next turn is told again
    assert _run(RemoteAction("action_fallback", nobody), _tracker(UserUttered("x"), *events)) == []
    later = _tracker(UserUttered("x"), *events, UserUttered("那需要什么材料？"))
    assert [e.text for e in _run(RemoteAction("action_answer_policy", nobody), later)] == [APOLOGY]


def test_a_rejection_is_still_raised(monkeypatch: pytest.MonkeyPatch) -> None:
    install()
    from rasa.core.actions.action import ActionExecutionRejection, RemoteAction
    from rasa.shared.core.events import UserUttered
    from rasa.utils.endpoints import EndpointConfig

    async def rejected(self: Any, **_: Any) -> Any:
        raise ActionExecutionRejection("validate_matching_form", "not this slot")

    monkeypatch.setattr(EndpointConfig, "request", rejected)
    with pytest.raises(ActionExecutionRejection):
        _run(RemoteAction("validate_matching_form", EndpointConfig("http://127.0.0.1:1/webhook")),
             _tracker(UserUttered("100人")))
