"""Who is asking. A conversation acts on a person's or a company's data only once it is bound to them
through a verified login (统一身份认证) or a one-time code sent to the mobile the data account holds.
Typing a USCC or an ID number starts that verification and nothing else: before binding the assistant
never says whether the number exists, nor anything about it."""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Tuple

from rasa_sdk import Action, Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import conversation, match_view, policy_qa
from actions.clients import eligibility
from actions.clients.eligibility import EligibilityError
from bot.answers import fields_from_entities
from privacy.masking import mask_text

FIELD_WORDS = {"registered_district": "注册地", "operating_district": "经营地", "employees": "员工人数",
               "annual_revenue_wan": "上年度营业收入", "rd_expense_wan": "研发费用", "qualifications": "资质",
               "industry_tags": "行业"}
VERIFY_FIRST = ("办理前需要先确认是您本人：请发送您的身份证号（企业请发统一社会信用代码），我会给数据账户登记的手机发验证码；"
                "也可以说“登录”，用统一身份认证登录。")
Events = List[Dict[str, Any]]


UNITS = {"annual_revenue_wan": "万元", "rd_expense_wan": "万元", "employees": "人"}


def describe(field: str, value: Any) -> str:
    """A fact the user told, as the bot repeats it: its everyday name and the value with its unit."""
    return f"{FIELD_WORDS.get(field, field)} {match_view.value_text(value, UNITS.get(field))}"


def typed_identifier(tracker: Tracker) -> Optional[str]:
    key = conversation.entity(tracker, "uscc") or conversation.entity(tracker, "id_number")
    return str(key).strip().upper() if key else None


def bound_events(binding: Dict[str, Any]) -> Events:
    subject = binding.get("subject") or {}
    return [SlotSet("profile_id", subject.get("id")), SlotSet("profile_name", subject.get("name"))]


async def start_verification(tracker: Tracker, dispatcher: CollectingDispatcher, key: str,
                             resume: Optional[str] = None) -> Events:
    """Send a one-time code for ``key`` (same answer whether or not it exists) and wait for it."""
    try:
        sent = await eligibility.send_code(tracker.sender_id, key)
    except EligibilityError as exc:
        dispatcher.utter_message(text=exc.message)
        return []
    dispatcher.utter_message(text="为保护您的信息，需要先验证身份。" + sent["message"] + "收不到的话，可以说“登录”用统一身份认证登录。")
    events: Events = [SlotSet("awaiting", "otp_code")]
    if resume:
        events.append(SlotSet("resume_action", resume))
    return events


async def ensure_profile(tracker: Tracker, dispatcher: CollectingDispatcher,
                         resume: Optional[str] = None) -> Tuple[Optional[str], Events]:
    """The bound subject's display id, or None. An identifier typed in this message that is not the bound
    subject starts a verification instead (and ``resume`` runs once it succeeds)."""
    key = typed_identifier(tracker)
    slot = tracker.get_slot("profile_id")
    try:
        binding = await eligibility.binding(tracker.sender_id)
    except EligibilityError as exc:
        dispatcher.utter_message(text=exc.message)
        return None, []
    if binding.get("bound"):
        shown = (binding.get("subject") or {}).get("id")
        if key and mask_text(key) != shown:
            return None, await start_verification(tracker, dispatcher, key, resume)
        return shown, ([] if slot == shown else bound_events(binding))
    lapsed: Events = [SlotSet("profile_id", None), SlotSet("profile_name", None)] if slot else []
    if key:
        return None, lapsed + await start_verification(tracker, dispatcher, key, resume)
    return None, lapsed


async def profile_or_ask(tracker: Tracker, dispatcher: CollectingDispatcher,
                         resume: Optional[str] = None) -> Tuple[Optional[str], Events]:
    """Like ensure_profile; when no one is bound and no code was sent, say how to verify (unless the check
    itself failed and said so: the service unreachable is no reason to ask a bound user to verify again)."""
    said = len(dispatcher.messages)
    profile_id, events = await ensure_profile(tracker, dispatcher, resume)
    if not profile_id and not any(e.get("name") == "awaiting" for e in events) and len(dispatcher.messages) == said:
        dispatcher.utter_message(text=VERIFY_FIRST)
        if resume:
            events = [*events, SlotSet("resume_action", resume)]
    return profile_id, events


class ActionUpdateProfile(Action):
    def name(self) -> str:
        return "action_update_profile"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[str, Any]) -> List[Dict[str, Any]]:
        awaiting = tracker.get_slot("awaiting")
        if awaiting == "rating_reason" and not tracker.latest_message.get("entities"):
            return [FollowupAction("action_rating_reason")]
        if awaiting == "otp_code":
            return [FollowupAction("action_verify_code")]
        if awaiting == "grant_account":
            return [FollowupAction("action_confirm_grant")]
        if awaiting == "bundle_field":  # the answer to a bundle's question (the checklist stores it)
            return [FollowupAction("action_prepare_application")]
        if typed_identifier(tracker):
            resume = "action_prepare_application" if tracker.get_slot("pending_application") else None
            profile_id, events = await ensure_profile(tracker, dispatcher, resume)
            if profile_id and resume:
                return events + [FollowupAction(resume)]
            if profile_id:
                dispatcher.utter_message(text="您已完成身份验证，可以直接办理。想做什么？比如“我能申请哪些补贴”。")
            return events
        told = fields_from_entities(tracker.latest_message.get("entities") or [])
        if not told:  # nothing about the user in it: a question read as a statement ("社保基数标准2024年")?
            answered = await policy_qa.answer_if_confident(dispatcher, tracker)
            if answered is not None:
                return answered
            dispatcher.utter_message(text="您想了解哪方面的政策？可以直接问，也可以说“我能申请哪些补贴”。")
            return []
        before = tracker.get_slot("declared_fields") or {}
        declared = {**before, **told}
        corrected = any(field in before and before[field] != value for field, value in told.items())
        if tracker.get_slot("profile_id"):
            try:
                await eligibility.declare_fields(tracker.sender_id, told)
            except EligibilityError as exc:
                if exc.code != "not_bound":
                    dispatcher.utter_message(text=exc.message)
                    return []
        said = "，".join(describe(f, v) for f, v in told.items())
        dispatcher.utter_message(text=f"好的，已{'更正' if corrected else '记录'}：{said}。",
                                 buttons=[{"title": "看看我能申请哪些政策", "payload": "/find_policies"}])
        return [SlotSet("declared_fields", declared)]
