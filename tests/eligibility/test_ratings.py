"""The rating levels have one home (eligibility.ratings); the copies that cannot import it are checked against it."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from pydantic import ValidationError

from eligibility import ratings
from eligibility.api.schemas import RatingRequest

ROOT = Path(__file__).resolve().parents[2]


def test_a_level_is_read_in_either_script() -> None:
    assert ratings.level_of("不滿意") == "不满意" and ratings.level_of(" 非常滿意 ") == "非常满意"
    assert [ratings.level_of(level) for level in ratings.LEVELS] == list(ratings.LEVELS)
    for other in ("还行", "满意吗", "", None, 3):
        assert ratings.level_of(other) is None


def test_the_bad_levels_are_the_two_worst() -> None:
    assert ratings.LEVELS[-2:] == ratings.BAD


def test_the_buttons_send_each_level_to_the_rating_intent() -> None:
    buttons = ratings.buttons()
    assert [b["title"] for b in buttons] == list(ratings.LEVELS)
    for b in buttons:
        intent, entities = re.fullmatch(r"/(\w+)(\{.*\})", b["payload"]).groups()  # type: ignore[union-attr]
        assert intent == "rate_service" and json.loads(entities) == {"rating": b["title"]}


def test_the_service_takes_exactly_the_levels() -> None:
    for level in ratings.LEVELS:
        assert RatingRequest(level=level).level == level
    with pytest.raises(ValidationError):
        RatingRequest(level="不滿意")  # the action server reads the script; the service stores one spelling


def test_the_nlu_copy_is_the_same_list() -> None:
    """bot/ratings.py keeps its own list for the NLU (bot/ does not import the eligibility service): the same levels."""
    from bot import ratings as nlu_ratings

    assert tuple(nlu_ratings.LEVELS) == ratings.LEVELS
    assert set(nlu_ratings.EXPRESSIONS) == set(ratings.LEVELS)


def test_the_web_chat_copy_is_the_same_list_worst_first() -> None:
    """web/chat/chat.js draws 1 to 5 stars: its list is ours reversed."""
    js = (ROOT / "web" / "chat" / "chat.js").read_text(encoding="utf-8")
    found = re.search(r"var LEVELS = (\[[^\]]*\]);", js)
    assert found is not None and tuple(json.loads(found.group(1))) == ratings.LEVELS[::-1]
