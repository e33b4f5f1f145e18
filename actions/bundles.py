"""一件事一次办: a life event's items as one checklist."""

from __future__ import annotations

from typing import Any, Dict, List

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import replies
from actions.clients import eligibility, knowledge
from actions.clients.eligibility import EligibilityError


class ActionShowBundle(Action):
    def name(self) -> str:
        return "action_show_bundle"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[str, Any]) -> List[EventType]:
        answer = knowledge.ask(tracker.latest_message.get("text") or "", filters={"kind": "bundle"})
        hits = [h for h in answer.hits if h.doc_id.startswith("BUN-")]
        if not hits:
            dispatcher.utter_message(text="抱歉，暂时没有找到对应的“一件事一次办”。您可以说说具体要办什么事。")
            return []
        bundle_id = hits[0].doc_id
        try:
            bundle = await eligibility.get_policy(bundle_id)
            members = [await eligibility.get_policy(m) for m in bundle.get("members", [])]
        except EligibilityError as exc:
            dispatcher.utter_message(text=exc.message)
            return []
        lines = [f"“{bundle.get('title')}”可以一次办好，按顺序是："]
        lines += [f"{i}. {m.get('title')}" for i, m in enumerate(members, 1)]
        lines.append("一张表、一次提交，材料能调用电子证照的不用再交。")
        dispatcher.utter_message(text="\n".join(lines) + "\n" + replies.citation_line(hits[0].citation),
                                 json_message={"type": "bundle", "id": bundle_id, "members": bundle.get("members", []),
                                               "citations": [replies.citation_payload(hits[0].citation)]})
        return [SlotSet("current_policy", bundle_id)]
