"""政策AI计算器 in a conversation: ask only the question that settles the most unknowns, one at a
time, then show what the user qualifies for (or walk one policy's conditions)."""

from __future__ import annotations

import json
import time
from collections import OrderedDict
from typing import Any, Dict, List, Optional, Tuple

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import REQUESTED_SLOT
from rasa_sdk.types import DomainDict

from actions import browsing, conversation, match_view, policy_qa
from actions.clients import eligibility
from actions.clients.eligibility import EligibilityError
from actions.policy_qa import mentioned_policy
from actions.profile import bound_events, ensure_profile
from actions.settings import get_settings
from bot.answers import FIELD_ENTITY, fields_from_entities, parse_answer
from bot.identity_text import one_time_code
from search.asking import asks_about_content

ANSWER_INTENTS = {"inform", "affirm", "deny", None}

# One POST /match per turn. The form's validation matches once, on the facts with the user's answer; the
# question it then asks (action_ask_pending_answer) or the matches it then shows (action_show_matches) are
# the same match, in the same turn. It is kept here, in this process, between those actions only: keyed by
# the conversation, the user message being answered and every fact the match depends on (bound or not,
# the declared fields, the scope, the category), taken by the action that says it, and gone after
# TURN_MATCH_SECONDS whatever happens. A later turn never sees it; a miss only costs one more call.
TURN_MATCH_SECONDS = 30.0
TURN_MATCH_ENTRIES = 64
_turn_matches: OrderedDict[str, Tuple[float, Dict[str, Any]]] = OrderedDict()


def _turn_key(tracker: Tracker) -> Optional[str]:
    """This turn's match key; None when the user message has no timestamp (nothing is kept)."""
    stamp = next((e.get("timestamp") for e in reversed(tracker.events) if e.get("event") == "user"), None)
    if stamp is None:
        return None
    facts = [tracker.sender_id, stamp, bool(tracker.get_slot("profile_id")), tracker.get_slot("declared_fields") or {},
             tracker.get_slot("match_scope"), tracker.get_slot("category")]
    return json.dumps(facts, sort_keys=True, ensure_ascii=False, default=str)


async def current_match(tracker: Tracker, last_use: bool = False) -> Dict[str, Any]:
    """The match for this turn's facts (compact view): this turn's own when the form already asked for it,
    else one POST /match. ``last_use``: the action that says it; nothing is kept after it."""
    key = _turn_key(tracker)
    now = time.monotonic()
    for old in [k for k, (at, _) in _turn_matches.items() if now - at > TURN_MATCH_SECONDS]:
        del _turn_matches[old]
    if key is not None and key in _turn_matches:
        _, found = _turn_matches.pop(key) if last_use else _turn_matches[key]
        return found
    scope = tracker.get_slot("match_scope")
    found = await eligibility.match(
        tracker.sender_id, bool(tracker.get_slot("profile_id")), tracker.get_slot("declared_fields") or {},
        policy_ids=[scope] if scope else None, category=tracker.get_slot("category"), shown=match_view.SHOWN)
    if key is not None and not last_use:
        _turn_matches[key] = (now, found)
        while len(_turn_matches) > TURN_MATCH_ENTRIES:
            _turn_matches.popitem(last=False)
    return found


def _on_the_users_message(tracker: Tracker) -> bool:
    """The form runs on the user's message itself (not activated, nor resumed after another action). Rasa
    then rejects the form unless the message filled a slot, and gives the message to the other policies."""
    skipped_this_run = False
    for event in reversed(tracker.events):
        kind = event.get("event")
        if kind == "user":
            return True
        if kind == "action":
            if event.get("name") == "matching_form" and not skipped_this_run:
                skipped_this_run = True  # the execution Rasa adds to the tracker it sends for validation
                continue
            return False
    return False


# Actions that may run between the user's message and the form without the message being a digression:
# the form's own start, a fact the form could not take (a company name), a verification that binds.
NOT_A_DIGRESSION = {"action_listen", "matching_form", "action_start_matching", "action_update_profile",
                    "action_verify_code", "action_unlikely_intent", "validate_matching_form",
                    "action_ask_pending_answer"}
CONTINUE_PROMPT = "刚才的政策匹配还差几个问题，要继续吗？"
CONTINUE_BUTTONS = [{"title": "继续", "payload": "继续"}, {"title": "不用了", "payload": "不用了"}]
RESUME_WORDS = {"好的", "好", "是", "是的", "要", "要的", "可以", "行", "嗯", "对"}
STOP_WORDS = ("不用了", "不用", "不要", "算了", "否", "不继续", "先不")
STOPPED = "好的，问题先问到这里，您已回答的信息我都记下了。"


def after_digression(tracker: Tracker) -> bool:
    """The form resumes after another action answered the user's message (a policy question, the calendar,
    small talk...): the message was no answer to the form's question."""
    for event in reversed(tracker.events):
        kind = event.get("event")
        if kind == "user":
            return False
        if kind == "action" and event.get("name") not in NOT_A_DIGRESSION:
            return True
    return False


def asked_for_more(tracker: Tracker) -> bool:
    """This run of matching was asked for as more questions: the user clicked the offer to go on
    (match_view.MORE_BUTTON), or typed a matching request right after seeing the matches with that offer.
    A request typed after the offer that came with a verification still shows the matches first."""
    started = False
    clicked = None
    for event in reversed(tracker.events):
        kind = event.get("event")
        if not started:
            started = kind == "action" and event.get("name") == "action_start_matching"
            continue
        if clicked is None:
            if kind == "user":
                clicked = (event.get("text") or "").strip() == match_view.MORE_BUTTON["payload"]
            continue
        if kind == "bot":
            data = event.get("data") or {}
            offered = any(b.get("title") == match_view.MORE_TITLE for b in data.get("buttons") or [])
            shown = (data.get("custom") or {}).get("type") == "matches"
            return offered and (clicked or shown)
        if kind == "user":
            return False
    return False


class ActionStartMatching(Action):
    def name(self) -> str:
        return "action_start_matching"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[str, Any]) -> List[Dict[str, Any]]:
        intent = tracker.get_intent_of_latest_message()
        if intent != "check_eligibility":
            # "人才方面有哪些补贴", "《…》里有哪些补贴": the list of a category's or file's items, no form
            browsed = await browsing.reply_if_browsing(dispatcher, tracker)
            if browsed is not None:
                return [*browsed, FollowupAction("action_listen")]
        if intent == "find_policies" and not conversation.entity(tracker, "category") \
                and asks_about_content(tracker.latest_message.get("text") or ""):
            # "专精特新有什么奖励" asks what a policy gives, not what the user can get: answer it, no form
            answered = await policy_qa.answer_if_confident(dispatcher, tracker)
            if answered is not None:
                return [*answered, FollowupAction("action_listen")]
        scope = None
        if intent == "check_eligibility":
            scope = mentioned_policy(tracker) or tracker.get_slot("current_policy")
        told = fields_from_entities(tracker.latest_message.get("entities") or [])
        declared = {**(tracker.get_slot("declared_fields") or {}), **told}
        if not tracker.get_slot("profile_id") and not declared:
            dispatcher.utter_message(
                text="好的，我来帮您算一算。验证身份后（说“登录”，或发送统一社会信用代码/身份证号收验证码），"
                     "我可以直接读取数据账户，少问几个问题；也可以直接回答下面的问题。")
        return [SlotSet("match_scope", scope), SlotSet("questions_asked", 0), SlotSet("pending_answer", None),
                SlotSet("declared_fields", declared), SlotSet("current_policy", scope or tracker.get_slot("current_policy"))]


class ActionAskPendingAnswer(Action):
    def name(self) -> str:
        return "action_ask_pending_answer"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[str, Any]) -> List[Dict[str, Any]]:
        pending: Optional[Dict[str, Any]] = tracker.get_slot("pending_field")
        if pending and after_digression(tracker):
            # The user asked something else and got the answer: ask once whether to go on, never repeat the
            # question after every answer. A real answer to the question is still taken (the form keeps it).
            if pending.get("paused"):
                return []
            dispatcher.utter_message(text=CONTINUE_PROMPT, buttons=CONTINUE_BUTTONS)
            return [SlotSet("pending_field", {**pending, "paused": True})]
        try:
            match = await current_match(tracker, last_use=True)
        except EligibilityError as exc:
            dispatcher.utter_message(text=exc.message)
            return []
        question = match_view.next_question(match)
        if question is None:
            return [SlotSet("pending_field", None)]
        dispatcher.utter_message(text=match_view.question_text(question), buttons=match_view.question_buttons(question))
        return [SlotSet("pending_field", question)]


class ValidateMatchingForm(FormValidationAction):
    def name(self) -> str:
        return "validate_matching_form"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[EventType]:
        """Read and check the answer, then match once, on the facts that include it. (rasa_sdk's own run
        asks required_slots three times a turn, twice before the answer is taken; each is a match.)"""
        extracted = await self.extract_pending_answer(dispatcher, tracker, domain)
        tracker.add_slots([SlotSet(name, value) for name, value in extracted.items()])
        candidates = tracker.slots_to_validate()
        events: List[EventType] = []
        if "pending_answer" in candidates:
            validated = await self.validate_pending_answer(candidates["pending_answer"], dispatcher, tracker, domain)
            events = [SlotSet(name, value) for name, value in {"pending_answer": None, **validated}.items()]
            tracker.add_slots(events)
        elif _on_the_users_message(tracker):
            # Not an answer: Rasa rejects the form whatever it would ask next; the message goes to the
            # other policies (a question, the calendar...) and the form asks when it resumes.
            return []
        elif tracker.get_slot("pending_field") and after_digression(tracker):
            # Resumed after the other answer: the question stays pending; the ask action only asks whether
            # to go on (no match: the facts are those of the question asked).
            return [SlotSet(REQUESTED_SLOT, "pending_answer")]
        required = await self.required_slots(self.domain_slots(domain), dispatcher, tracker, domain)
        ask = "pending_answer" in required and tracker.slots.get("pending_answer") is None
        events.append(SlotSet(REQUESTED_SLOT, "pending_answer" if ask else None))
        return events

    async def required_slots(self, domain_slots: List[str], dispatcher: CollectingDispatcher,
                             tracker: Tracker, domain: DomainDict) -> List[str]:
        if (tracker.get_slot("questions_asked") or 0) >= get_settings().max_questions:
            return []
        try:
            match = await current_match(tracker)
        except EligibilityError:
            return []
        if match_view.next_question(match) is None:
            return []
        # A verified profile that already qualifies for something sees its matches at once; more
        # questions can only add to the list, and the user can ask for them.
        if tracker.get_slot("profile_id") and not tracker.get_slot("match_scope") \
                and match_view.by_status(match, "eligible") and not asked_for_more(tracker):
            return []
        return ["pending_answer"]

    async def extract_pending_answer(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                     domain: DomainDict) -> Dict[str, Any]:
        if tracker.get_slot("requested_slot") != "pending_answer" or tracker.get_slot("awaiting") == "handoff_offer":
            return {}
        text = tracker.latest_message.get("text") or ""
        code = one_time_code(text) if tracker.get_slot("awaiting") == "otp_code" else None
        if code:  # the code sent when an identifier was typed during the questions
            try:
                bound = await eligibility.verify_code(tracker.sender_id, code)
            except EligibilityError as exc:
                dispatcher.utter_message(text=exc.message)
                return {}
            dispatcher.utter_message(text="验证成功，已读取您的数据账户。")
            return {"pending_answer": {"identified": {"awaiting": None, **{
                e["name"]: e["value"] for e in bound_events(bound)}}}}
        key = conversation.entity(tracker, "uscc") or conversation.entity(tracker, "id_number")
        if key:
            _, events = await ensure_profile(tracker, dispatcher)
            slots = {e["name"]: e["value"] for e in events if e.get("event") == "slot"}
            if slots:
                return {"pending_answer": {"identified": slots}}
        question: Optional[Dict[str, Any]] = tracker.get_slot("pending_field")
        intent = tracker.get_intent_of_latest_message()
        if question and question.get("paused"):  # the answer to "刚才的政策匹配还要继续吗？"
            said = text.strip(" 。！!，,~")
            if said.startswith(STOP_WORDS) or intent == "deny" and not said.startswith("继续"):
                return {"pending_answer": {"stop": True}}
            if said in RESUME_WORDS or said.startswith(("继续", "接着")) or intent == "affirm":
                return {"pending_answer": {"resume": True}}
        if not question or intent not in ANSWER_INTENTS and not _is_button(text, question):
            return {}
        field = question["field"]
        entity_value = None
        for key, entity in FIELD_ENTITY.items():
            if key in field:
                entity_value = conversation.entity(tracker, entity)
                break
        value = parse_answer(question.get("type", "enum"), text, match_view.options(question),
                             intent if intent in ("affirm", "deny") else None, entity_value, question.get("unit"),
                             question.get("titles") or {})
        if value is None:
            value = _none_of_them(question, text, intent)
        told = fields_from_entities(tracker.latest_message.get("entities") or [])
        if value is None and not told:
            return {}
        return {"pending_answer": {"field": field, "value": value, "also": told}}

    async def validate_pending_answer(self, slot_value: Any, dispatcher: CollectingDispatcher,
                                      tracker: Tracker, domain: DomainDict) -> Dict[str, Any]:
        if not isinstance(slot_value, dict):
            return {"pending_answer": None}
        if "identified" in slot_value:
            return {"pending_answer": None, **slot_value["identified"]}
        if slot_value.get("resume"):  # go on: the form asks its question again
            question = dict(tracker.get_slot("pending_field") or {})
            question.pop("paused", None)
            return {"pending_answer": None, "pending_field": question or None}
        if slot_value.get("stop"):  # no more questions: the form ends and shows what is known
            dispatcher.utter_message(text=STOPPED)
            return {"pending_answer": None, "pending_field": None, "questions_asked": get_settings().max_questions}
        fields = dict(slot_value.get("also") or {})
        if slot_value.get("value") is not None:
            fields[slot_value["field"]] = slot_value["value"]
        declared = {**(tracker.get_slot("declared_fields") or {}), **fields}
        if tracker.get_slot("profile_id") and fields:
            try:
                await eligibility.declare_fields(tracker.sender_id, fields)
            except EligibilityError as exc:
                dispatcher.utter_message(text=exc.message)
        return {"pending_answer": None, "declared_fields": declared,
                "questions_asked": (tracker.get_slot("questions_asked") or 0) + 1}


NONE_WORDS = ("没有", "无", "都不是", "都没有", "不是", "没")
COUNTED = {"万元", "万美元", "人", "件", "家", "套", "平方米", "架次"}  # amounts and counts: none is 0


def _none_of_them(question: Dict[str, Any], text: str, intent: Optional[str]) -> Any:
    """"没有" / "都不是" to a question that asks for an amount, a count or one of several kinds: 0, or the
    enum's "其他" (none of the listed kinds). Otherwise the user could only leave the question unanswered."""
    said = text.strip(" 。！!，,~")
    if not (said.startswith(NONE_WORDS) or intent == "deny"):
        return None
    kind = question.get("type")
    if kind in ("number", "int") and question.get("unit") in COUNTED:  # not 年/月: "没有" is no duration
        return 0
    if kind == "enum" and len(match_view.options(question)) >= 3:
        return match_view.OTHER
    return None


def _is_button(text: str, question: Dict[str, Any]) -> bool:
    return text in {b["payload"] for b in match_view.question_buttons(question)}


class ActionShowMatches(Action):
    def name(self) -> str:
        return "action_show_matches"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[str, Any]) -> List[EventType]:
        try:
            match = await current_match(tracker, last_use=True)
        except EligibilityError as exc:
            dispatcher.utter_message(text=exc.message)
            return []
        scope = tracker.get_slot("match_scope")
        events: List[EventType] = [SlotSet("pending_field", None), SlotSet("match_scope", None)]
        if scope:
            result = next((r for r in match_view.results(match) if r.get("policy_id") == scope), None)
            if result is None:
                dispatcher.utter_message(text="抱歉，没有找到这项政策的条件。")
                return events
            buttons = [{"title": "一键申报", "payload": "/apply"}] if result.get("status") == "eligible" else []
            dispatcher.utter_message(text=match_view.checklist_text(result), buttons=buttons,
                                     json_message={"type": "checklist", "item": match_view.card_item(result)})
            return events
        eligible = sorted(match_view.by_status(match, "eligible"), key=match_view.amount, reverse=True)
        # One-click buttons: what is approved at once first, then the largest benefit; 免申即享 needs no button.
        appliable = sorted((r for r in eligible if r.get("handling") != "免申即享"),
                           key=lambda r: (r.get("handling") != "秒批", -match_view.amount(r)))
        buttons = [{"title": f"申报：{r.get('title')}"[:30], "payload": f'/apply{{"policy": "{r.get("policy_id")}"}}'}
                   for r in appliable[:3]]
        if len(eligible) > match_view.SHOWN:
            buttons.append({"title": "查看全部", "payload": "/show_all_matches"})
        buttons += match_view.next_step_buttons(match)  # "另有 N 项还需补充信息": go on answering
        dispatcher.utter_message(text=match_view.summary_text(match), buttons=buttons,
                                 json_message={"type": "matches", "eligible": [r.get("policy_id") for r in eligible],
                                               "handling": {r.get("policy_id"): r.get("handling") for r in eligible},
                                               "items": match_view.card_items(match)})
        if eligible:
            events.append(SlotSet("current_policy", eligible[0].get("policy_id")))
        return events


class ActionShowAllMatches(Action):
    """Every policy the user qualifies for, when the summary showed only the first few."""

    def name(self) -> str:
        return "action_show_all_matches"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[str, Any]) -> List[Dict[str, Any]]:
        if not tracker.get_slot("profile_id") and not tracker.get_slot("declared_fields"):
            dispatcher.utter_message(text="还没有为您匹配过政策。可以说“我能申请哪些补贴”，我帮您算一算。")
            return []
        try:
            match = await eligibility.match(tracker.sender_id, bool(tracker.get_slot("profile_id")),
                                            tracker.get_slot("declared_fields") or {},
                                            category=tracker.get_slot("category"), shown=0)
        except EligibilityError as exc:
            dispatcher.utter_message(text=exc.message)
            return []
        dispatcher.utter_message(text=match_view.full_list_text(match))
        return []
