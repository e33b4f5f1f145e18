import asyncio
from typing import Any, Callable, Dict

from rasa_sdk.executor import CollectingDispatcher

from actions.applications import ActionApplicationStatus, ActionPrepareApplication, ActionSubmitApplication
from actions.matching import ValidateMatchingForm
from eligibility.profiles.demo import PERSONAS
from tests.actions.conftest import custom, said, slots_set, tracker

HIGH_TECH = PERSONAS[0].id
Bind = Callable[[str, str], Dict[str, Any]]


def run(action, t):  # type: ignore[no-untyped-def]
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, t, {}))
    return dispatcher, events


def test_apply_without_identity_asks_for_the_code_and_keeps_the_policy() -> None:
    dispatcher, events = run(ActionPrepareApplication(), tracker("我要申报", intent="apply",
                                                                 slots={"current_policy": "ENT-011"}))
    assert "统一社会信用代码" in said(dispatcher)
    assert slots_set(events) == {"pending_application": "ENT-011", "resume_action": "action_prepare_application"}


def test_prepare_shows_verified_fields_then_submit_is_approved_at_once(bind: Bind) -> None:
    bind("apply-test", HIGH_TECH)
    slots = {"current_policy": "ENT-011"}
    # the bound company's own code typed again is no reason to verify again
    t = tracker(f"申报，信用代码{HIGH_TECH}", intent="apply", slots=slots,
                entities=[{"entity": "uscc", "value": HIGH_TECH}], sender="apply-test")
    dispatcher, events = run(ActionPrepareApplication(), t)
    set_ = slots_set(events)
    assert set_["profile_id"] == HIGH_TECH and set_["profile_name"] == PERSONAS[0].name
    assert set_["awaiting"] == "apply_confirm" and set_["pending_application"] == "ENT-011"
    assert "已从数据账户自动填写" in said(dispatcher) and "税务部门" in said(dispatcher)
    confirm = tracker("/affirm", intent="affirm", slots={**slots, **set_}, sender="apply-test")
    dispatcher, events = run(ActionSubmitApplication(), confirm)
    app = next(c for c in custom(dispatcher) if c.get("type") == "application")
    assert app["status"] == "approved" and "秒批" in said(dispatcher)
    again, _ = run(ActionSubmitApplication(), confirm)
    assert next(c for c in custom(again) if c.get("type") == "application")["id"] == app["id"]
    status, _ = run(ActionApplicationStatus(), tracker("进度", intent="application_status",
                                                       slots={"profile_id": HIGH_TECH}, sender="apply-test"))
    assert app["id"] in said(status)


def test_a_profile_id_in_the_slots_alone_acts_for_nobody() -> None:
    """The slot is what the assistant shows; only the conversation's binding opens the data."""
    slots = {"current_policy": "ENT-012", "profile_id": HIGH_TECH, "pending_application": "ENT-012",
             "awaiting": "apply_confirm"}
    dispatcher, events = run(ActionSubmitApplication(), tracker("/affirm", intent="affirm", slots=slots,
                                                                sender="apply-unbound"))
    assert not [c for c in custom(dispatcher) if c.get("type") == "application"]
    assert "身份验证" in said(dispatcher) and slots_set(events) == {"awaiting": None}
    status, events = run(ActionApplicationStatus(), tracker("进度", intent="application_status",
                                                            slots={"profile_id": HIGH_TECH}, sender="apply-unbound"))
    assert "验证码" in said(status) and "申报记录" not in said(status)
    assert slots_set(events)["profile_id"] is None


def test_form_reads_a_yes_for_a_yes_no_question() -> None:
    question = {"field": "is_independent_legal_person", "type": "bool", "question": "是独立法人吗？"}
    t = tracker("是的", intent="affirm", slots={"requested_slot": "pending_answer", "pending_field": question})
    extracted = asyncio.run(ValidateMatchingForm().extract_pending_answer(CollectingDispatcher(), t, {}))
    assert extracted == {"pending_answer": {"field": "is_independent_legal_person", "value": True, "also": {}}}


def test_form_leaves_a_question_to_the_digression_rule() -> None:
    question = {"field": "employees", "type": "int", "question": "员工多少人？"}
    t = tracker("高企认定有什么奖励", intent="ask_policy", slots={"requested_slot": "pending_answer", "pending_field": question})
    assert asyncio.run(ValidateMatchingForm().extract_pending_answer(CollectingDispatcher(), t, {})) == {}


def test_a_second_conversation_is_told_about_the_existing_application(bind: Bind) -> None:
    bind("conv-a", HIGH_TECH)
    bind("conv-b", HIGH_TECH)
    slots = {"current_policy": "ENT-012", "profile_id": HIGH_TECH, "pending_application": "ENT-012",
             "awaiting": "apply_confirm"}
    first, _ = run(ActionSubmitApplication(), tracker("/affirm", intent="affirm", slots=slots, sender="conv-a"))
    created = next(c for c in custom(first) if c.get("type") == "application")
    second, events = run(ActionSubmitApplication(), tracker("/affirm", intent="affirm", slots=slots, sender="conv-b"))
    told = next(c for c in custom(second) if c.get("type") == "application")
    assert told == {"type": "application", "id": created["id"], "status": created["status"], "existing": True}
    assert "无需重复提交" in said(second) and slots_set(events)["last_application"] == created["id"]


def test_a_correction_is_acknowledged_as_one() -> None:
    from actions.profile import ActionUpdateProfile

    entities = [{"entity": "employees", "value": 200.0, "start": 4, "end": 8}]
    t = tracker("不对，是200人", intent="inform", entities=entities, slots={"declared_fields": {"employees": 150.0}})
    dispatcher, events = run(ActionUpdateProfile(), t)
    assert "已更正：员工人数 200 人" in said(dispatcher)
    assert slots_set(events)["declared_fields"] == {"employees": 200.0}
    first, _ = run(ActionUpdateProfile(), tracker("员工200人", intent="inform", entities=entities))
    assert "已记录：员工人数 200 人" in said(first)
