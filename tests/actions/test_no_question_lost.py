"""A question is never lost (issue 14, point 2): outside a form, a message the search answers with confidence
gets that cited answer whatever intent won (read as a statement about the user, or not understood at all).
The real index of the corpus and the real eligibility service (tests/actions/conftest.py)."""

from __future__ import annotations

import asyncio
from typing import Any, Dict, List, Tuple

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.conversation import fallbacks_in_a_row
from actions.feedback import ActionFallback
from actions.profile import ActionUpdateProfile
from tests.actions.conftest import custom, said, slots_set, tracker

KEYWORDS = "居住证办理条件 深圳 2024 最新"  # a search-box question: no verb, nothing about the user


def run(action: Any, t: Tracker) -> Tuple[CollectingDispatcher, List[Dict[str, Any]]]:
    dispatcher = CollectingDispatcher()
    return dispatcher, asyncio.run(action.run(dispatcher, t, {}))


def cited(dispatcher: CollectingDispatcher) -> List[str]:
    return [c["doc_id"] for payload in custom(dispatcher) for c in payload.get("citations", [])]


def test_a_question_read_as_a_statement_gets_its_cited_answer() -> None:
    dispatcher, events = run(ActionUpdateProfile(), tracker(KEYWORDS, intent="inform"))
    assert cited(dispatcher)[:1] == ["CIT-001"]
    assert slots_set(events) == {"current_policy": "CIT-001"}
    assert "记下" not in said(dispatcher)


def test_a_statement_with_nothing_to_record_claims_nothing_was_recorded() -> None:
    dispatcher, events = run(ActionUpdateProfile(), tracker("嗯", intent="inform"))
    assert cited(dispatcher) == [] and events == []
    assert "记下" not in said(dispatcher) and "您想了解哪方面的政策" in said(dispatcher)


def test_a_question_not_understood_is_answered_instead_of_offering_guesses() -> None:
    dispatcher, _ = run(ActionFallback(), tracker(KEYWORDS, intent="nlu_fallback"))
    assert cited(dispatcher)[:1] == ["CIT-001"]
    assert "不太确定" not in said(dispatcher) and not dispatcher.messages[0].get("buttons", [{}])[0].get(
        "payload", "").startswith("/ask_policy")


def test_a_question_inside_a_form_or_an_awaited_answer_is_left_to_the_form() -> None:
    in_form = Tracker("test-user", {}, tracker(KEYWORDS, intent="nlu_fallback").latest_message,
                      tracker(KEYWORDS, intent="nlu_fallback").events, False, None,
                      {"name": "matching_form"}, "action_listen")
    dispatcher, _ = run(ActionFallback(), in_form)
    assert cited(dispatcher) == []
    dispatcher, _ = run(ActionUpdateProfile(), tracker(KEYWORDS, intent="inform", slots={"awaiting": "handoff_offer"}))
    assert cited(dispatcher) == []


def test_a_not_understood_turn_answered_from_the_documents_does_not_count_towards_a_person() -> None:
    not_understood = {"event": "user", "text": "啊这", "parse_data": {"intent": {"name": "nlu_fallback"}}}
    answered = {"event": "bot", "text": "…", "data": {"custom": {"citations": [{"doc_id": "CIT-001"}]}}}
    guessed = {"event": "bot", "text": "抱歉，我不太确定您的意思。", "data": {"buttons": []}}
    assert fallbacks_in_a_row(tracker("嗯嗯", intent="nlu_fallback", events=[not_understood, guessed])) == 2
    assert fallbacks_in_a_row(tracker("嗯嗯", intent="nlu_fallback", events=[not_understood, answered])) == 1
    dispatcher, events = run(ActionFallback(), tracker("嗯嗯那个", intent="nlu_fallback",
                                                       events=[not_understood, answered]))
    assert "要不要为您转人工" not in said(dispatcher) and "awaiting" not in slots_set(events)


def test_what_a_named_policy_gives_is_answered_and_no_form_starts() -> None:
    from actions.matching import ActionStartMatching

    dispatcher, events = run(ActionStartMatching(), tracker("专精特新有什么奖励", intent="find_policies"))
    assert cited(dispatcher)[:1] == ["ENT-001"]
    assert [e["name"] for e in events if e.get("event") == "followup"] == ["action_listen"]


def test_what_the_user_can_get_still_starts_matching() -> None:
    from actions.matching import ActionStartMatching

    dispatcher, events = run(ActionStartMatching(), tracker("我们公司能申请哪些补贴", intent="find_policies"))
    assert cited(dispatcher) == [] and not [e for e in events if e.get("event") == "followup"]
    assert slots_set(events)["questions_asked"] == 0
