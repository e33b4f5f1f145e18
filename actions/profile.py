"""Who is asking: identify by USCC or ID number from the data account, and record what they tell us."""

from __future__ import annotations

from typing import Any, Dict, List, Optional

from rasa_sdk import Action, Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import conversation
from actions.clients import eligibility
from actions.clients.eligibility import EligibilityError
from bot.answers import fields_from_entities

FIELD_WORDS = {"registered_district": "注册地", "operating_district": "经营地", "employees": "员工人数",
               "annual_revenue_wan": "上年度营业收入", "rd_expense_wan": "研发费用", "qualifications": "资质",
               "industry_tags": "行业"}


def describe(field: str, value: Any) -> str:
    word = FIELD_WORDS.get(field, field)
    if field in ("annual_revenue_wan", "rd_expense_wan") and isinstance(value, (int, float)):
        return f"{word} {value:g} 万元"
    if field == "employees" and isinstance(value, (int, float)):
        return f"{word} {value:g} 人"
    if isinstance(value, list):
        return f"{word} {'、'.join(map(str, value))}"
    return f"{word} {value}"


async def identify(profile_id: str, dispatcher: CollectingDispatcher) -> Optional[List[Dict[str, Any]]]:
    """Load a verified profile; tell the user what the data account already knows. None if not found."""
    try:
        profile = await eligibility.get_profile(profile_id)
    except EligibilityError as exc:
        dispatcher.utter_message(text=exc.message)
        return None
    name = profile.get("name") or profile.get("display_name") or "您"
    known = len(profile.get("fields") or {})
    dispatcher.utter_message(
        text=f"已识别：{name}。数据账户里已有您的 {known} 项信息（登记、纳税、社保、资质等），这些都不用再填。")
    return [SlotSet("profile_id", profile.get("id", profile_id)), SlotSet("profile_name", name)]


async def ensure_profile(tracker: Tracker, dispatcher: CollectingDispatcher) -> tuple[Optional[str], List[Dict[str, Any]]]:
    """The known profile id, or the one named in this very message (identified now)."""
    key = conversation.entity(tracker, "uscc") or conversation.entity(tracker, "id_number")
    if key and str(key).upper() != tracker.get_slot("profile_id"):
        events = await identify(str(key).upper(), dispatcher)
        if events:
            return str(events[0]["value"]), events
    return tracker.get_slot("profile_id"), []


async def profile_or_ask(tracker: Tracker, dispatcher: CollectingDispatcher,
                         ask: str) -> tuple[Optional[str], List[Dict[str, Any]]]:
    """Like ensure_profile; when no one is identified, ask for the code or ID number (the `ask` text)."""
    profile_id, events = await ensure_profile(tracker, dispatcher)
    if not profile_id:
        dispatcher.utter_message(text=ask)
    return profile_id, events


class ActionUpdateProfile(Action):
    def name(self) -> str:
        return "action_update_profile"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[str, Any]) -> List[Dict[str, Any]]:
        if tracker.get_slot("awaiting") == "rating_reason" and not tracker.latest_message.get("entities"):
            return [FollowupAction("action_rating_reason")]
        events: List[Dict[str, Any]] = []
        key = conversation.entity(tracker, "uscc") or conversation.entity(tracker, "id_number")
        if key:
            identified = await identify(str(key).upper(), dispatcher)
            if identified is None:
                return []
            events.extend(identified)
            if tracker.get_slot("pending_application"):
                return events + [FollowupAction("action_prepare_application")]
            return events
        told = fields_from_entities(tracker.latest_message.get("entities") or [])
        if not told:
            dispatcher.utter_message(text="好的，记下了。您想了解哪方面的政策？也可以说“我能申请哪些补贴”。")
            return []
        before = tracker.get_slot("declared_fields") or {}
        declared = {**before, **told}
        corrected = any(field in before and before[field] != value for field, value in told.items())
        profile_id = tracker.get_slot("profile_id")
        if profile_id:
            try:
                await eligibility.declare_fields(profile_id, told)
            except EligibilityError as exc:
                dispatcher.utter_message(text=exc.message)
                return []
        said = "，".join(describe(f, v) for f, v in told.items())
        dispatcher.utter_message(text=f"好的，已{'更正' if corrected else '记录'}：{said}。",
                                 buttons=[{"title": "看看我能申请哪些政策", "payload": "/find_policies"}])
        return [SlotSet("declared_fields", declared)]
