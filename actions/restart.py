"""Start over: forget the conversation and say so (overrides Rasa's default action_restart)."""

from __future__ import annotations

from typing import Any, Dict, List

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, Restarted
from rasa_sdk.executor import CollectingDispatcher

RESTARTED = "好的，我们重新开始。请问您想了解什么？"


class ActionRestart(Action):
    def name(self) -> str:
        return "action_restart"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]) -> List[EventType]:
        dispatcher.utter_message(text=RESTARTED)
        return [Restarted()]
