import asyncio
import json
from collections import Counter

import httpx
from rasa_sdk.executor import CollectingDispatcher

from actions.feedback import (
    ActionDecline,
    ActionFallback,
    ActionHandoff,
    ActionRateService,
    ActionRatingReason,
)
from eligibility.profiles.demo import PERSONAS
from tests.actions.conftest import said, service_headers, slots_set, staff_headers, tracker


def run(action, t):  # type: ignore[no-untyped-def]
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, t, {}))
    return dispatcher, events


def ticket_as_staff(url: str, ticket_id: str) -> dict:
    """Tickets are for the hotline staff to read (operator role); the conversation cannot read them back."""
    assert httpx.get(f"{url}/tickets/{ticket_id}").status_code == 401
    r = httpx.get(f"{url}/tickets/{ticket_id}", headers=staff_headers(url))
    assert r.status_code == 200, r.text
    return dict(r.json())


def fallback_event(text: str) -> dict:
    return {"event": "user", "text": text, "parse_data": {"intent": {"name": "nlu_fallback"}}}


def test_first_fallback_offers_the_two_likeliest_meanings() -> None:
    ranking = [{"name": "nlu_fallback", "confidence": 0.5}, {"name": "ask_policy", "confidence": 0.4},
               {"name": "apply", "confidence": 0.38}]
    t = tracker("那个东西咋弄", intent="nlu_fallback", ranking=ranking)
    dispatcher, events = run(ActionFallback(), t)
    buttons = [b["payload"] for b in dispatcher.messages[0]["buttons"]]
    assert buttons == ["/ask_policy", "/apply", "/human_handoff"]
    assert events == []


def test_a_message_not_understood_reaches_the_knowledge_gap_view(eligibility_service) -> None:  # type: ignore[no-untyped-def]
    import sqlalchemy as sa

    from actions.clients import eligibility
    from eligibility.storage import tables as t

    async def go() -> None:
        await ActionFallback().run(CollectingDispatcher(), tracker("那个东西咋弄", intent="nlu_fallback",
                                                                     sender="fb-gap"), {})
        await ActionFallback().run(CollectingDispatcher(), tracker("/human_handoff", intent="nlu_fallback",
                                                                     sender="fb-gap"), {})  # a payload: not a question
        await eligibility.flush_question_log()

    asyncio.run(go())
    with eligibility_service.ctx.db.read() as conn:
        rows = conn.execute(sa.select(t.question_log.c.text, t.question_log.c.outcome)
                            .where(t.question_log.c.conversation_id == "fb-gap")).all()
    assert [tuple(r) for r in rows] == [("那个东西咋弄", "not_understood")]


def test_second_fallback_in_a_row_offers_a_person() -> None:
    t = tracker("嗯嗯那个", intent="nlu_fallback", events=[fallback_event("啊这")])
    dispatcher, events = run(ActionFallback(), t)
    assert "转人工" in said(dispatcher)
    assert slots_set(events) == {"awaiting": "handoff_offer"}


def test_an_understood_message_in_between_resets_the_count() -> None:
    understood = {"event": "user", "text": "你好", "parse_data": {"intent": {"name": "greet"}}}
    t = tracker("嗯嗯那个", intent="nlu_fallback", events=[fallback_event("啊这"), understood])
    _, events = run(ActionFallback(), t)
    assert "awaiting" not in slots_set(events)


def test_handoff_ticket_carries_the_transcript(eligibility_url: str) -> None:
    history: list = [{"event": "user", "text": "居住证第一次怎么办", "parse_data": {"intent": {"name": "ask_policy"}}},
                     {"event": "bot", "text": "第一次申领居住证需要……"}]
    dispatcher, events = run(ActionHandoff(), tracker("转人工", intent="human_handoff", events=history,
                                                      slots={"current_policy": "CIT-001"}))
    ticket_id = slots_set(events)["last_ticket"]
    assert ticket_id in said(dispatcher)
    ticket = ticket_as_staff(eligibility_url, ticket_id)
    assert "居住证第一次怎么办" in json.dumps(ticket, ensure_ascii=False)
    # the operator reads the matter's title, not the corpus id
    assert ticket["summary"].startswith("转人工：关注《深圳经济特区居住证首次申领》") and "CIT-001" not in ticket["summary"]
    # staffed (this service is staffed around the clock): the bot pauses until an operator hands back
    assert events[-1] == {"event": "pause", "timestamp": None} and ticket["live"] is True
    assert "直接在这里回复您" in said(dispatcher)


def test_handoff_outside_staffed_hours_says_when_a_person_answers() -> None:
    from actions.feedback import handoff_text

    text = handoff_text({"id": "GD1", "live": False, "staffed_hours": "工作日9:00—12:00、14:00—18:00",
                         "answer_from": "明天（12月3日）9:00"})
    assert "明天（12月3日）9:00" in text and "工作日9:00—12:00" in text and "GD1" in text


def test_bad_rating_opens_a_callback_and_takes_the_reason(eligibility_url: str) -> None:
    t = tracker("非常不满意", intent="rate_service", entities=[{"entity": "rating", "value": "非常不满意"}])
    dispatcher, events = run(ActionRateService(), t)
    slots = slots_set(events)
    assert slots["awaiting"] == "rating_reason" and slots["last_ticket"] in said(dispatcher)
    reason = tracker("答非所问，等了很久", intent="complain", slots={"last_ticket": slots["last_ticket"]})
    _, events = run(ActionRatingReason(), reason)
    assert slots_set(events) == {"awaiting": None}
    assert "答非所问" in json.dumps(ticket_as_staff(eligibility_url, slots["last_ticket"]), ensure_ascii=False)


def my_ratings(url: str, sender: str) -> Counter:
    """The ratings the conversation's bound subject has given, read back from the service (GET /me/data)."""
    r = httpx.get(f"{url}/me/data", headers=service_headers(sender))
    assert r.status_code == 200, r.text
    return Counter(rating["level"] for rating in r.json()["ratings"])


def callbacks(url: str) -> int:
    r = httpx.get(f"{url}/tickets", params={"kind": "callback", "limit": 1}, headers=staff_headers(url))
    assert r.status_code == 200, r.text
    return int(r.json()["total"])


def test_good_rating_is_stored_and_thanked(eligibility_url: str, bind) -> None:  # type: ignore[no-untyped-def]
    sender = "rate-good"
    bind(sender, PERSONAS[4].id)  # bound: the rating is the subject's and their data export shows it
    before, tickets_before = my_ratings(eligibility_url, sender), callbacks(eligibility_url)
    t = tracker("满意", intent="rate_service", entities=[{"entity": "rating", "value": "满意"}], sender=sender)
    dispatcher, events = run(ActionRateService(), t)
    assert said(dispatcher) == "感谢您的评价，我们会继续努力！"
    assert slots_set(events) == {"awaiting": None}
    assert my_ratings(eligibility_url, sender) - before == Counter({"满意": 1})  # stored, once, as given
    assert callbacks(eligibility_url) == tickets_before  # a good rating opens no callback


def test_declining_an_application_cancels_only_that() -> None:
    t = tracker("先不报", intent="deny", slots={"awaiting": "apply_confirm", "pending_application": "ENT-011"})
    dispatcher, events = run(ActionDecline(), t)
    assert "取消" in said(dispatcher)
    assert slots_set(events) == {"awaiting": None, "pending_application": None}


def test_a_core_fallback_after_this_turns_answer_stays_silent() -> None:
    """After an action answered and cleared what it waited for, the policies may find no next step; the
    fallback then must not add "我不太确定您的意思" to a turn that was understood."""
    events = [{"event": "action", "name": "action_verify_code"}, {"event": "bot", "text": "验证成功，陈*兰您好！"}]
    t = tracker("482913", intent="inform")
    t.events.extend(events)
    d = CollectingDispatcher()
    assert asyncio.run(ActionFallback().run(d, t, {})) == [] and d.messages == []
