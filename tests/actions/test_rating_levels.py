"""A rating typed in either script is recorded: the trained model maps a typed 不满意 to 不滿意.

Its training data annotates ``[不滿意](rating)`` without a value, and the tokenizer reads the example's text as
simplified, so Rasa's EntitySynonymMapper learned the synonym 不满意 → 不滿意 (synonyms.json of the model in
~/.cache/zhengcetong/rasa-models). The action reads the level in either script (eligibility.ratings.level_of);
the model and its training data stay as they are.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any, Callable, Dict, List, Tuple

import httpx
import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.feedback import ActionRateService
from eligibility.profiles.demo import PERSONAS
from tests.actions.conftest import said, service_headers, slots_set, tracker


def rate(text: str, value: str, sender: str) -> Tuple[CollectingDispatcher, List[Dict[str, Any]]]:
    t = tracker(text, intent="rate_service", entities=[{"entity": "rating", "value": value}], sender=sender)
    dispatcher = CollectingDispatcher()
    return dispatcher, asyncio.run(ActionRateService().run(dispatcher, t, {}))


def ratings_of(url: str, sender: str) -> Counter:
    r = httpx.get(f"{url}/me/data", headers=service_headers(sender))
    assert r.status_code == 200, r.text
    return Counter(rating["level"] for rating in r.json()["ratings"])


@pytest.mark.parametrize("typed, value, level", [
    ("不满意", "不滿意", "不满意"),  # what the trained model gives for the simplified word
    ("不滿意", "不滿意", "不满意"),
    ("非常滿意", "非常滿意", "非常满意"),
    ("不满意", "不满意", "不满意"),  # a button's payload, or a model that says it in simplified
])
def test_a_rating_in_either_script_is_recorded(eligibility_url: str, bind: Callable[[str, str], Any],
                                               typed: str, value: str, level: str) -> None:
    sender = f"rate-script-{typed.encode().hex()}-{value.encode().hex()}"  # a conversation id is ASCII
    bind(sender, PERSONAS[3].id)
    before = ratings_of(eligibility_url, sender)
    dispatcher, events = rate(typed, value, sender)
    assert "打个分" not in said(dispatcher)  # not asked again: the rating was understood
    assert ratings_of(eligibility_url, sender) - before == Counter({level: 1})
    if level == "不满意":  # a bad rating opens a callback and waits for the reason
        assert slots_set(events)["awaiting"] == "rating_reason" and "工单号" in said(dispatcher)
    else:
        assert said(dispatcher) == "感谢您的评价，我们会继续努力！"


def test_something_that_is_not_a_level_is_asked_again() -> None:
    dispatcher, events = rate("还行吧", "还行", "rate-unknown")
    assert "打个分" in said(dispatcher) and events == []


def test_a_callback_due_date_is_said_as_people_say_it() -> None:
    from actions.feedback import _by_day

    assert _by_day("2026-12-04") == "12月4日前（5个工作日内）"
    assert _by_day(None) == _by_day("下周") == "5个工作日内"
