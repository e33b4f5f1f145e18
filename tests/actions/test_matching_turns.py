"""One POST /match per matching turn, each turn's answer from that turn's facts.

The turns are driven as Rasa drives the form (rasa/core/actions/forms.py): after the user's message,
action_start_matching when the form starts, then validate_matching_form on a tracker that ends with the
form's own execution, then action_ask_pending_answer (a question is left) or action_show_matches (the
form is done). The eligibility service is the real one; the test counts the calls the actions make."""

from __future__ import annotations

import asyncio
from typing import Any, Callable, Dict, List, Optional, Tuple

import pytest
from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import match_view
from actions.clients import eligibility
from actions.matching import (
    ActionAskPendingAnswer,
    ActionShowAllMatches,
    ActionShowMatches,
    ActionStartMatching,
    ValidateMatchingForm,
)
from eligibility.profiles.demo import PERSONAS
from tests.actions.conftest import custom, said

HIGH_TECH = PERSONAS[0].id
DOMAIN = {"forms": {"matching_form": {"required_slots": ["pending_answer"]}}}
FIND = "我们公司能申请哪些补贴？"
Bind = Callable[[str, str], Dict[str, Any]]


class Calls:
    def __init__(self) -> None:
        self.paths: List[Tuple[str, str]] = []

    def matches(self) -> int:
        return sum(1 for method, path in self.paths if (method, path) == ("POST", "/match"))


@pytest.fixture()
def calls(monkeypatch: pytest.MonkeyPatch) -> Calls:
    seen = Calls()
    real = eligibility.request

    async def counting(method: str, path: str, conversation_id: Optional[str] = None, **kwargs: Any) -> Any:
        seen.paths.append((method, path))
        return await real(method, path, conversation_id, **kwargs)

    monkeypatch.setattr(eligibility, "request", counting)
    return seen


class Conversation:
    """The events and slots Rasa keeps for one conversation, and the form's turns as Rasa runs them."""

    def __init__(self, sender: str, calls: Calls, slots: Optional[Dict[str, Any]] = None) -> None:
        self.sender, self.calls = sender, calls
        self.events: List[Dict[str, Any]] = []
        self.slots: Dict[str, Any] = dict(slots or {})
        self.latest: Dict[str, Any] = {}
        self.clock = 1_700_000_000.0
        self.turn_calls = 0

    def tracker(self, extra: Optional[List[Dict[str, Any]]] = None) -> Tracker:
        slots = dict(self.slots)
        for e in extra or []:
            if e.get("event") == "slot":
                slots[e["name"]] = e["value"]
        active = {"name": "matching_form"} if self.slots.get("requested_slot") else None
        return Tracker(self.sender, slots, self.latest, [*self.events, *(extra or [])], False, None, active,
                       "action_listen")

    def apply(self, events: List[Dict[str, Any]]) -> None:
        for e in events:
            self.events.append(e)
            if e.get("event") == "slot":
                self.slots[e["name"]] = e["value"]

    def run(self, action: Action, extra: Optional[List[Dict[str, Any]]] = None) -> Tuple[CollectingDispatcher, list]:
        dispatcher = CollectingDispatcher()
        events = asyncio.run(action.run(dispatcher, self.tracker(extra), DOMAIN))
        return dispatcher, list(events)

    def user(self, text: str, intent: str) -> None:
        self.clock += 7.5
        self.latest = {"text": text, "intent": {"name": intent, "confidence": 0.95}, "entities": [],
                       "intent_ranking": [{"name": intent, "confidence": 0.95}]}
        self.apply([{"event": "action", "name": "action_listen"},
                    {"event": "user", "timestamp": self.clock, "text": text, "parse_data": self.latest}])

    def form(self, said_before: Optional[List[Dict[str, Any]]] = None) -> Tuple[str, List[CollectingDispatcher]]:
        """The form's execution: validation, then its question or the matches. 'rejected' when the
        validation took nothing from the user's message (Rasa then lets the other policies answer)."""
        validation_tracker = [*(said_before or []), {"event": "slot", "name": "requested_slot",
                                                     "value": self.slots.get("requested_slot")},
                              {"event": "action", "name": "matching_form"}]
        dispatcher, validated = self.run(ValidateMatchingForm(), validation_tracker)
        if not validated and self.slots.get("requested_slot"):
            return "rejected", [dispatcher]
        self.apply([*(said_before or []), {"event": "action", "name": "matching_form"}, *validated])
        spoken = [dispatcher]
        if self.slots.get("requested_slot") == "pending_answer":
            asked, events = self.run(ActionAskPendingAnswer())
            self.apply(events)
            return "asked", spoken + [asked]
        self.apply([{"event": "active_loop", "name": None}])
        shown, events = self.run(ActionShowMatches())
        self.apply([{"event": "action", "name": "action_show_matches"}, *events])
        return "shown", spoken + [shown]

    def start(self, text: str = FIND) -> Tuple[str, List[CollectingDispatcher]]:
        self.user(text, "find_policies")
        before = self.calls.matches()
        started, events = self.run(ActionStartMatching())
        self.apply([{"event": "action", "name": "action_start_matching"}, *events])
        outcome, spoken = self.form()
        self.turn_calls = self.calls.matches() - before
        return outcome, [started, *spoken]

    def answer(self, text: str, intent: str = "inform") -> Tuple[str, List[CollectingDispatcher]]:
        self.user(text, intent)
        before = self.calls.matches()
        outcome, spoken = self.form()
        self.turn_calls = self.calls.matches() - before
        return outcome, spoken


def reply_to(question: Dict[str, Any]) -> str:
    buttons = match_view.question_buttons(question)
    return buttons[0]["payload"] if buttons else "100"


def text(spoken: List[CollectingDispatcher]) -> str:
    return "\n".join(said(d) for d in spoken)


def test_every_turn_of_an_anonymous_form_makes_one_match(calls: Calls) -> None:
    talk = Conversation("turns-anonymous", calls)
    outcome, spoken = talk.start()
    assert outcome == "asked" and talk.turn_calls == 1
    question = talk.slots["pending_field"]
    assert question["question"] in text(spoken) and talk.slots["requested_slot"] == "pending_answer"
    turns = 0
    while outcome == "asked":
        answer = reply_to(talk.slots["pending_field"])
        asked_before = talk.slots["pending_field"]["field"]
        outcome, spoken = talk.answer(answer)
        turns += 1
        assert talk.turn_calls == 1, (turns, outcome)
        assert asked_before in talk.slots["declared_fields"], "the answer was taken before the match"
        assert turns <= 6
    assert outcome == "shown"
    # what is shown is the match on every answer given, as a fresh full match says it
    full = asyncio.run(eligibility.request("POST", "/match", json={"fields": talk.slots["declared_fields"]}))
    eligible = sorted((r for r in full["results"] if r["status"] == "eligible"), key=match_view.amount, reverse=True)
    if eligible:  # the reply names the policies the full match finds, not a phrase "nothing found" shares
        assert all(r["title"] in text(spoken) for r in eligible[:match_view.SHOWN]), text(spoken)
    else:
        assert "暂时没有找到" in text(spoken), text(spoken)
    cards = next(c for d in spoken for c in custom(d) if c.get("type") == "matches")
    assert cards["eligible"] == [r["policy_id"] for r in eligible]
    assert [i["policy_id"] for i in cards["items"]] == [i["policy_id"] for i in match_view.card_items(full)]
    assert cards["items"] == match_view.card_items(full)


def test_a_question_in_the_middle_costs_no_match_and_the_form_asks_whether_to_go_on(calls: Calls) -> None:
    talk = Conversation("turns-digression", calls)
    talk.start()
    question = talk.slots["pending_field"]
    outcome, _ = talk.answer("高新技术企业认定有什么奖励", intent="ask_policy")
    assert outcome == "rejected" and talk.turn_calls == 0
    # the other policies answer, then the form resumes on the same turn: it asks whether to go on (no
    # match: nothing changed), not its question again (tests/actions/test_digression.py: the rest)
    before = calls.matches()
    outcome, spoken = talk.form(said_before=[{"event": "action", "name": "action_answer_policy"},
                                             {"event": "bot", "text": "（答案）"}])
    assert outcome == "asked" and calls.matches() - before == 0
    assert talk.slots["pending_field"]["field"] == question["field"] and question["question"] not in text(spoken)
    assert "继续" in text(spoken)


def test_a_verified_company_sees_its_matches_in_the_first_turn_with_one_match(calls: Calls, bind: Bind) -> None:
    sender = "turns-bound"
    bind(sender, HIGH_TECH)
    talk = Conversation(sender, calls, slots={"profile_id": HIGH_TECH})
    outcome, spoken = talk.start()
    assert outcome == "shown" and talk.turn_calls == 1
    cards = next(c for d in spoken for c in custom(d) if c.get("type") == "matches")
    assert cards["eligible"] and "可秒批" in text(spoken)
    assert all(item["conditions"] for item in cards["items"]), "each card has its conditions"
    # a later turn matches again: nothing of this turn's match is kept for it
    before = calls.matches()
    dispatcher = CollectingDispatcher()
    asyncio.run(ActionShowAllMatches().run(dispatcher, talk.tracker(), DOMAIN))
    assert calls.matches() - before == 1
    lines = said(dispatcher).splitlines()
    assert lines[0] == f"您符合条件的政策共 {len(cards['eligible'])} 项："


def test_the_same_facts_in_a_new_turn_are_matched_again(calls: Calls) -> None:
    talk = Conversation("turns-fresh", calls)
    talk.start()
    talk.start()  # the same question again: a new user message, a new match
    assert talk.turn_calls == 1


def test_none_of_them_is_an_answer_to_a_kind_or_an_amount_not_to_a_duration() -> None:
    from actions.matching import _none_of_them

    kinds = {"field": "project_type", "type": "enum", "examples": ["工业投资建设项目", "募投先进制造业项目", "重大工业投资项目"]}
    assert match_view.question_buttons(kinds)[-1] == {"title": "都不是", "payload": "都不是"}
    assert _none_of_them(kinds, "都不是", "inform") == "其他" and _none_of_them(kinds, "没有", "deny") == "其他"
    assert _none_of_them(kinds, "龙华区", "inform") is None
    money = {"field": "equity_investment_received_wan", "type": "number", "unit": "万元"}
    assert _none_of_them(money, "没有", "deny") == 0 and _none_of_them(money, "不清楚", "inform") is None
    years = {"field": "years_since_last_major_violation", "type": "number", "unit": "年"}
    assert _none_of_them(years, "没有", "deny") is None  # "never" is no number of years
    two = {"field": "hukou", "type": "enum", "examples": ["深圳", "非深圳"]}
    assert _none_of_them(two, "都不是", "inform") is None and all(b["title"] != "都不是" for b in match_view.question_buttons(two))
