"""A digression out of the matching form (issue 14, point 5): the form asks once whether to go on instead of
repeating its question after every answer; 继续 brings the question back, 不用了 ends the form, a real
answer is still taken. Driven as Rasa drives the form (tests/actions/test_matching_turns.py), against
the real eligibility service."""

from __future__ import annotations

import asyncio
from typing import Any, Dict, List, Optional

from rasa_sdk import Tracker

from actions import match_view
from actions.identity import _offer_to_check
from actions.matching import CONTINUE_PROMPT, STOPPED, after_digression, asked_for_more
from tests.actions.conftest import tracker
from tests.actions.test_matching_turns import HIGH_TECH, Bind, Calls, Conversation, calls, reply_to, text  # noqa: F401

ANSWERED_ELSEWHERE = [{"event": "action", "name": "action_answer_policy"},
                      {"event": "bot", "text": "高新技术企业认定奖励最高 10 万元。"}]


def digress(talk: Conversation, message: str = "高新技术企业认定有什么奖励") -> str:
    """The user asks something else: the form rejects it, another action answers, the form resumes."""
    outcome, _ = talk.answer(message, intent="ask_policy")
    assert outcome == "rejected"
    outcome, spoken = talk.form(said_before=ANSWERED_ELSEWHERE)
    assert outcome == "asked"
    return text(spoken)


def test_after_a_digression_the_form_asks_once_whether_to_go_on_and_continue_brings_the_question_back(
        calls: Calls) -> None:  # noqa: F811
    talk = Conversation("digress-continue", calls)
    talk.start()
    question = talk.slots["pending_field"]
    first = digress(talk)
    assert CONTINUE_PROMPT in first and question["question"] not in first
    assert talk.slots["pending_field"]["field"] == question["field"] and talk.slots["pending_field"]["paused"]
    before = calls.matches()
    second = digress(talk, "社保缴费基数是多少")
    assert second.strip() == "" and calls.matches() == before, "asked once: nothing repeated after the second answer"
    outcome, spoken = talk.answer("继续", intent="affirm")
    assert outcome == "asked" and question["question"] in text(spoken) and CONTINUE_PROMPT not in text(spoken)
    assert talk.slots["pending_field"]["field"] == question["field"] and not talk.slots["pending_field"].get("paused")
    assert question["field"] not in (talk.slots.get("declared_fields") or {}), "继续 is no answer to the question"


def test_no_thanks_ends_the_form_politely_and_shows_what_is_known(calls: Calls) -> None:  # noqa: F811
    talk = Conversation("digress-stop", calls)
    talk.start()
    digress(talk)
    outcome, spoken = talk.answer("不用了", intent="deny")
    assert outcome == "shown" and text(spoken).startswith(STOPPED)
    assert talk.slots["pending_field"] is None and talk.slots["requested_slot"] is None


def test_a_real_answer_to_the_pending_question_is_still_taken(calls: Calls) -> None:  # noqa: F811
    talk = Conversation("digress-answer", calls)
    talk.start()
    question = talk.slots["pending_field"]
    digress(talk)
    outcome, spoken = talk.answer(reply_to(question))
    assert question["field"] in talk.slots["declared_fields"]
    assert CONTINUE_PROMPT not in text(spoken) and outcome in ("asked", "shown")


def events_tracker(events: List[Dict[str, Any]]) -> Tracker:
    return Tracker("digress-events", {}, {}, events, False, None, None, "action_listen")


def test_what_counts_as_a_digression() -> None:
    user = [{"event": "user", "text": "x"}]
    assert not after_digression(events_tracker(user))
    start = events_tracker([*user, {"event": "action", "name": "action_start_matching"},
                            {"event": "action", "name": "matching_form"}])
    assert not after_digression(start)  # the form's own start
    fact = events_tracker([*user, {"event": "action", "name": "action_update_profile"}])
    assert not after_digression(fact)  # a fact the form could not take (a company name)
    answered = events_tracker([*user, {"event": "action_execution_rejected", "name": "matching_form"},
                               *ANSWERED_ELSEWHERE, {"event": "action", "name": "matching_form"}])
    assert after_digression(answered)
    assert not after_digression(events_tracker([*ANSWERED_ELSEWHERE, *user]))  # an earlier turn's answer


def offer_then_click(offer: List[Dict[str, Any]], typed: str = "/find_policies",
                     custom: Optional[Dict[str, Any]] = None) -> List[Dict[str, Any]]:
    data: Dict[str, Any] = {"buttons": offer, **({"custom": custom} if custom else {})}
    return [{"event": "bot", "text": "另有 3 项还需补充信息才能判断。", "data": data},
            {"event": "action", "name": "action_listen"}, {"event": "user", "text": typed},
            {"event": "action", "name": "action_start_matching"}]


def test_a_verified_company_that_asks_for_more_is_asked_largest_benefit_first(calls: Calls, bind: Bind) -> None:  # noqa: F811
    sender = "digress-more"
    bind(sender, HIGH_TECH)
    talk = Conversation(sender, calls, slots={"profile_id": HIGH_TECH})
    outcome, spoken = talk.start()
    assert outcome == "shown"  # qualifies for something: the matches at once, then the offer to go on
    summary = next(m for d in spoken for m in d.messages if m.get("custom", {}).get("type") == "matches")
    assert match_view.MORE_BUTTON in summary["buttons"] and "想继续核对的话" in summary["text"]
    talk.events.append({"event": "bot", "text": summary["text"],
                        "data": {"buttons": summary["buttons"], "custom": summary["custom"]}})
    outcome, spoken = talk.start("/find_policies")
    assert asked_for_more(talk.tracker())
    assert outcome == "asked", text(spoken)
    asked = talk.slots["pending_field"]
    assert asked["question"] in text(spoken) and asked["top_benefit_wan"] >= 0
    # the same start without the offer before it shows the matches again, as before; a request typed after
    # the offer that came with a verification (no matches shown yet) shows the matches first
    other = [{"title": "看看我能申请哪些政策", "payload": "/find_policies"}]
    assert not asked_for_more(events_tracker(offer_then_click(other)))
    assert asked_for_more(events_tracker(offer_then_click([match_view.MORE_BUTTON])))
    assert not asked_for_more(events_tracker(offer_then_click([match_view.MORE_BUTTON], "我们公司能申请哪些补贴")))
    assert asked_for_more(events_tracker(offer_then_click([match_view.MORE_BUTTON], "我们公司能申请哪些补贴",
                                                          {"type": "matches"})))


def test_once_bound_the_bot_offers_to_check_the_open_policies(bind: Bind) -> None:
    sender = "digress-bound-offer"
    bind(sender, HIGH_TECH)
    offer, buttons = asyncio.run(_offer_to_check(tracker(sender=sender, slots={"profile_id": HIGH_TECH})))
    assert "按数据账户的信息，您已符合" in offer and "还差一些信息才能判断" in offer and "先从金额大的问起" in offer
    assert "想继续核对的话" in offer
    assert buttons == [match_view.MORE_BUTTON, match_view.NOT_NOW_BUTTON]
    nobody = asyncio.run(_offer_to_check(tracker(sender="digress-not-bound")))
    assert "您已符合" not in nobody[0]
