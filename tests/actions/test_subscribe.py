"""action_subscribe against the real eligibility service: what is subscribed, once, and polite failures."""

import asyncio
import re
import socket
from typing import Any, Callable, Dict, List

import httpx
import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions import settings as action_settings
from actions.calendar import ActionSubscribe
from eligibility.profiles.demo import PERSONAS
from tests.actions.conftest import said, service_headers, tracker

HIGH_TECH = PERSONAS[0].id


def run(t):  # type: ignore[no-untyped-def]
    dispatcher = CollectingDispatcher()
    events = asyncio.run(ActionSubscribe().run(dispatcher, t, {}))
    return dispatcher, events


def stored(eligibility_url: str, sender: str) -> List[Dict[str, Any]]:
    """The conversation's subscriptions, read as the action server speaking for that conversation."""
    r = httpx.get(f"{eligibility_url}/subscriptions", params={"conversation_id": sender},
                  headers=service_headers(sender))
    assert r.status_code == 200, r.text
    return r.json()["subscriptions"]


def no_english(text: str) -> bool:
    return re.search(r"[A-Za-z]", text) is None


def test_a_category_is_subscribed_once_and_the_repeat_is_acknowledged(
        eligibility_url: str, bind: Callable[[str, str], Dict[str, Any]]) -> None:
    bind("sub-category", HIGH_TECH)
    t = tracker("订阅人才政策", intent="subscribe", entities=[{"entity": "category", "value": "人才"}],
                slots={"profile_id": HIGH_TECH}, sender="sub-category")
    dispatcher, events = run(t)
    assert events == []
    assert said(dispatcher).startswith("已为您订阅「人才」类政策的申报提醒") and no_english(said(dispatcher))
    assert "短信通知您在数据账户登记的手机" in said(dispatcher)
    again, _ = run(t)
    assert said(again).startswith("您已订阅过「人才」类政策的申报提醒，无需重复订阅")
    subs = stored(eligibility_url, "sub-category")
    assert [(s["topic"], s["topic_kind"], s["profile_id"]) for s in subs] == [("人才", "category", HIGH_TECH)]


def test_a_named_policy_wins_over_the_one_discussed_and_is_confirmed_by_name(eligibility_url: str) -> None:
    t = tracker("高企认定奖励开始申报时提醒我", intent="subscribe", entities=[{"entity": "policy", "value": "ENT-056"}],
                slots={"current_policy": "ENT-011"}, sender="sub-policy")
    dispatcher, _ = run(t)
    assert said(dispatcher).startswith("已为您订阅「高新技术企业认定奖励」的申报提醒")
    assert [s["topic"] for s in stored(eligibility_url, "sub-policy")] == ["ENT-056"]
    discussed, _ = run(tracker("到时候提醒我报", intent="subscribe", slots={"current_policy": "ENT-011"},
                               sender="sub-policy"))
    assert said(discussed).startswith("已为您订阅「商贸业新纳统奖励」的申报提醒")
    assert [s["topic"] for s in stored(eligibility_url, "sub-policy")] == ["ENT-056", "ENT-011"]


def test_nothing_named_subscribes_to_everything(eligibility_url: str) -> None:
    dispatcher, _ = run(tracker("有新政策通知我", intent="subscribe", sender="sub-all"))
    assert said(dispatcher).startswith("已为您订阅全部政策的申报提醒") and no_english(said(dispatcher))
    assert [s["topic"] for s in stored(eligibility_url, "sub-all")] == ["all"]
    # an unverified conversation subscribes for itself alone, and is told how the reminders can reach it
    assert stored(eligibility_url, "sub-all")[0]["profile_id"] is None and "先验证身份" in said(dispatcher)


def test_an_unknown_category_is_declined_politely(eligibility_url: str) -> None:
    t = tracker("订阅火星移民政策", intent="subscribe", entities=[{"entity": "category", "value": "火星移民"}],
                sender="sub-unknown")
    dispatcher, _ = run(t)
    text = said(dispatcher)
    assert "抱歉" in text and "火星移民" in text and "您" in text and "订阅全部政策" in text
    assert no_english(text) and len(text) < 80
    assert stored(eligibility_url, "sub-unknown") == []


def test_an_unreachable_service_is_reported_politely(monkeypatch: pytest.MonkeyPatch) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.setenv("POLICYBOT_ELIGIBILITY_URL", f"http://127.0.0.1:{port}")
    action_settings.get_settings.cache_clear()
    dispatcher, _ = run(tracker("订阅", intent="subscribe", sender="sub-down"))
    assert said(dispatcher).startswith("抱歉") and "稍后再试" in said(dispatcher) and no_english(said(dispatcher))
