import asyncio

from rasa_sdk.executor import CollectingDispatcher

from actions.policy_qa import ActionAnswerPolicy
from tests.actions.conftest import custom, said, slots_set, tracker


def run(t):  # type: ignore[no-untyped-def]
    dispatcher = CollectingDispatcher()
    events = asyncio.run(ActionAnswerPolicy().run(dispatcher, t, {}))
    return dispatcher, events


def test_answer_cites_the_document_and_remembers_it() -> None:
    dispatcher, events = run(tracker("高新技术企业认定有什么奖励？"))
    assert "10万元" in said(dispatcher) and "依据：《" in said(dispatcher)
    assert custom(dispatcher)[0]["citations"][0]["doc_id"] == "ENT-056"
    assert slots_set(events) == {"current_policy": "ENT-056"}


def test_follow_up_is_answered_from_the_current_document() -> None:
    dispatcher, _ = run(tracker("那需要什么材料？", slots={"current_policy": "CIT-014"}))
    assert custom(dispatcher)[0]["citations"][0]["doc_id"] == "CIT-014"


def test_a_policy_named_in_the_message_wins_over_the_context() -> None:
    t = tracker("居住证怎么办", slots={"current_policy": "ENT-056"},
                entities=[{"entity": "policy", "value": "CIT-001", "start": 0, "end": 3}])
    dispatcher, events = run(t)
    assert custom(dispatcher)[0]["citations"][0]["doc_id"] == "CIT-001"
    assert slots_set(events)["current_policy"] == "CIT-001"
