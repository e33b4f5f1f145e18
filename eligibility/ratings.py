"""好差评: the five levels of the government service rating, and reading one as a channel sends it.

The one home of the levels. The service stores and validates them (``POST /ratings``), the 12345 console counts
the bad ones, the action server offers them as buttons and sends what the user chose. Two copies stay, each
checked against this list by tests/eligibility/test_ratings.py: ``bot/ratings.py`` (its file is part of the
Rasa model's fingerprint: importing from here would retrain the model) and ``web/chat/chat.js`` (stars 1 to 5,
so worst first).
"""

from __future__ import annotations

from typing import Dict, List, Optional, Tuple

from knowledge.simplified import to_simplified

LEVELS: Tuple[str, ...] = ("非常满意", "满意", "基本满意", "不满意", "非常不满意")  # best first (GB/T 39735)
BAD: Tuple[str, ...] = ("不满意", "非常不满意")  # a callback ticket follows


def buttons() -> List[Dict[str, str]]:
    """The five levels as the chat's buttons: each sends the rating intent with its level."""
    return [{"title": level, "payload": f'/rate_service{{"rating": "{level}"}}'} for level in LEVELS]


def level_of(value: object) -> Optional[str]:
    """The level `value` names, written in simplified or traditional characters (不滿意 -> 不满意), else None.

    The NLU model may hand over a level in traditional characters: it learned the synonym 不满意 -> 不滿意 from
    a training example annotated without a value."""
    if not isinstance(value, str):
        return None
    level = to_simplified(value.strip())
    return level if level in LEVELS else None
