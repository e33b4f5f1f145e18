"""When a custom action cannot run, the user hears one polite sentence instead of silence (issue 13, faults).

Rasa's processor catches whatever a custom action raises (the action server killed or restarting, refusing
connections, answering 5xx or timing out), logs it and goes on with no events: the turn ends with no reply at
all, and a REST client gets ``[]``. ``install()`` wraps ``RemoteAction.run`` so that such a failure returns a
single ``BotUttered`` with :data:`APOLOGY` instead: the conversation, its slots and what it waits for stay as
they were (no other event), and the user knows to send the message again. Said once per turn: a form whose
validation and question both fail, or a policy that predicts another custom action, adds nothing more.
``ActionExecutionRejection`` (the action server's 400: a form rejecting the message) is Rasa's business and
passes through untouched. Installed in every Rasa process by ``bot/__init__.py``, like ``rasa_speedups``."""

from __future__ import annotations

import logging
from typing import Any, List

APOLOGY = "抱歉，系统暂时有点忙，您刚才的消息没能处理完，请稍后再发一次。"
MARK = "_policybot_apologises"

log = logging.getLogger(__name__)


def said_this_turn(tracker: Any) -> bool:
    """True when the apology is already among the bot's utterances since the latest user message."""
    from rasa.shared.core.events import BotUttered, UserUttered

    for event in reversed(tracker.events):
        if isinstance(event, UserUttered):
            return False
        if isinstance(event, BotUttered) and event.text == APOLOGY:
            return True
    return False


def install() -> bool:
    """Patch ``rasa.core.actions.action.RemoteAction.run`` (idempotent). False when Rasa is not importable."""
    try:
        from rasa.core.actions.action import ActionExecutionRejection, RemoteAction
        from rasa.shared.core.events import BotUttered
    except ImportError:
        return False
    if getattr(RemoteAction, MARK, False):
        return True
    stock = RemoteAction.run

    async def run(self: Any, output_channel: Any, nlg: Any, tracker: Any, domain: Any) -> List[Any]:
        try:
            return list(await stock(self, output_channel, nlg, tracker, domain))
        except ActionExecutionRejection:
            raise
        except Exception as exc:  # noqa: BLE001 - what Rasa's processor would swallow silently
            log.error("custom action %s could not run (%s); the user was asked to send the message again",
                      self.name(), type(exc).__name__)
            return [] if said_this_turn(tracker) else [BotUttered(APOLOGY)]

    RemoteAction.run = run  # type: ignore[method-assign]
    setattr(RemoteAction, MARK, True)
    return True
