"""免申即享: tell users what they already receive, without applying."""

from __future__ import annotations

from typing import Any, Dict, List

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.clients import eligibility
from actions.clients.eligibility import EligibilityError
from actions.profile import profile_or_ask


class ActionCheckGrants(Action):
    def name(self) -> str:
        return "action_check_grants"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[str, Any]) -> List[EventType]:
        profile_id, events = await profile_or_ask(tracker, dispatcher, resume="action_check_grants")
        if not profile_id:
            return events
        try:
            answer = await eligibility.notifications(tracker.sender_id)
        except EligibilityError as exc:
            dispatcher.utter_message(text=exc.message)
            return events
        notes = [n for n in answer.get("notifications") or [] if n.get("grant")]
        if not notes:
            dispatcher.utter_message(text="目前没有查到您名下的免申即享待遇。符合条件后系统会主动通知您，无需申请。")
            return events
        lines = [f"好消息！您已符合以下 {len(notes)} 项免申即享政策，无需申请："]
        for note in notes[:5]:
            grant = note["grant"]
            amount = f"，最高 {grant['amount_wan']:g} 万元" if isinstance(grant.get("amount_wan"), (int, float)) else ""
            lines.append(f"· {grant.get('policy_title') or note.get('title')}（{grant.get('status_label', '待确认')}{amount}）")
        waiting = [n for n in notes if (n["grant"] or {}).get("status") == "notified"]
        if not waiting:
            dispatcher.utter_message(text="\n".join(lines), json_message={"type": "grants", "items": notes[:5]})
            return events
        whose = "本人银行卡" if "*" in str(profile_id) else "对公账户"  # a person's id is shown masked, a USCC not
        lines.append(f"只需确认收款账户即可发放：请把开户银行和{whose}号发给我，例如“工商银行 6222 0212 3456 7890 123”。")
        dispatcher.utter_message(text="\n".join(lines), json_message={"type": "grants", "items": notes[:5]})
        return [*events, SlotSet("awaiting", "grant_account")]
