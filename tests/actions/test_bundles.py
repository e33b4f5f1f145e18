"""一件事一次办 in the action server, against the real eligibility service: "开始办理" shows the checklist,
each still-needed fact is asked once, the one form is confirmed once, the status is per item and whole;
leaving halfway and coming back resumes; declining a 免申即享 account confirms nothing."""

import asyncio
import json
from typing import Any, Callable, Dict

from rasa_sdk.executor import CollectingDispatcher

from actions.applications import ActionPrepareApplication, ActionSubmitApplication
from actions.feedback import ActionDecline
from eligibility.profiles.demo import PERSONAS
from tests.actions.conftest import custom, followups, said, slots_set, tracker

GRADUATE = PERSONAS[4].id  # 李思涵
Bind = Callable[[str, str], Dict[str, Any]]


def run(action, t):  # type: ignore[no-untyped-def]
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, t, {}))
    return dispatcher, events


def _reply(question: Dict[str, Any], dispatcher: CollectingDispatcher) -> Any:
    """What a user taps or types for the question shown: 是, the first example, or a small number."""
    buttons = [b for m in dispatcher.messages for b in (m.get("buttons") or [])]
    if any(b["payload"] == "/affirm" for b in buttons):
        return tracker("/affirm", intent="affirm", slots=question, sender="bundle-test")
    example = next((b["payload"] for b in buttons if b["payload"].startswith("/inform{")), None)
    if example:
        return tracker(example, intent="inform", slots=question, sender="bundle-test")
    return tracker("2", intent="inform", slots=question, sender="bundle-test")


def test_newborn_bundle_checklist_questions_one_form_one_confirmation(bind: Bind) -> None:
    bind("bundle-test", GRADUATE)
    start = tracker("好的，开始办理", intent="affirm", slots={"current_policy": "BUN-002", "awaiting": "bundle_start"},
                    sender="bundle-test")
    dispatcher, events = run(ActionPrepareApplication(), start)
    text = said(dispatcher)
    assert "办理清单" in text and "新生儿" in text and "电子证照" in text and "一次问一项" in text, text
    state = {**start.slots, **slots_set(events)}
    assert state["awaiting"] == "bundle_field" and state["pending_application"] == "BUN-002"
    assert followups(events) == ["action_listen"]
    turns = 1
    while state["awaiting"] == "bundle_field":
        assert turns < 20, said(dispatcher)
        if turns == 3:  # leave halfway, come back: what was answered is kept
            dispatcher, events = run(ActionPrepareApplication(), tracker("先不办", intent="deny", slots=state,
                                                                         sender="bundle-test"))
            assert "先不办" in said(dispatcher) and slots_set(events) == {"awaiting": None, "pending_application": None}
            state = {"current_policy": "BUN-002", "awaiting": "bundle_start"}
            dispatcher, events = run(ActionPrepareApplication(), tracker("开始办理", intent="apply", slots=state,
                                                                         sender="bundle-test"))
            assert "还需要您补充" in said(dispatcher)
            state = {**state, **slots_set(events)}
        dispatcher, events = run(ActionPrepareApplication(), _reply(state, dispatcher))
        state = {**state, **slots_set(events)}
        turns += 1
    assert state["awaiting"] == "apply_confirm", said(dispatcher)
    form = next(c for c in custom(dispatcher) if c.get("type") == "bundle_form")
    assert form["form"]["prefilled"] >= 1 and "已预填" in said(dispatcher) and "确认后将一次提交" in said(dispatcher)
    confirm = tracker("/affirm", intent="affirm", slots=state, sender="bundle-test")
    dispatcher, events = run(ActionSubmitApplication(), confirm)
    done = next(c for c in custom(dispatcher) if c.get("type") == "bundle_submission")
    assert "项中 0 项已办结" in done["summary"] and done["items"], said(dispatcher)
    assert slots_set(events)["awaiting"] is None and followups(events) == ["action_listen"]
    again, _ = run(ActionSubmitApplication(), confirm)  # a repeated tap: the same set
    assert next(c for c in custom(again) if c.get("type") == "bundle_submission")["items"] == done["items"]
    later, _ = run(ActionPrepareApplication(), tracker("开始办理", intent="apply",
                                                       slots={"current_policy": "BUN-002", "awaiting": "bundle_start"},
                                                       sender="bundle-test"))
    assert done["summary"] in said(later) and "办理进度" in said(later)
    assert json.dumps(done, ensure_ascii=False).count(GRADUATE) == 0


def test_bundle_before_verification_asks_to_verify_and_resumes() -> None:
    dispatcher, events = run(ActionPrepareApplication(), tracker(
        "开始办理", intent="apply", slots={"current_policy": "BUN-002", "awaiting": "bundle_start"}, sender="bundle-anon"))
    assert "先确认是您本人" in said(dispatcher)
    assert slots_set(events) == {"pending_application": "BUN-002", "resume_action": "action_prepare_application"}


def test_declining_the_grant_account_confirms_nothing() -> None:
    dispatcher, events = run(ActionDecline(), tracker("先不领", intent="deny", slots={"awaiting": "grant_account"}))
    assert "暂不确认收款账户" in said(dispatcher) and slots_set(events) == {"awaiting": None}
