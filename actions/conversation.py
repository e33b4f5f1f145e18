"""Reading the conversation: transcript, the latest entities, the user's declared facts."""

from __future__ import annotations

from typing import Any, Dict, List, Optional

from rasa_sdk import Tracker


def transcript(tracker: Tracker, last: int = 30) -> List[Dict[str, str]]:
    lines = []
    for event in tracker.events:
        if event.get("event") == "user" and event.get("text"):
            lines.append({"role": "user", "text": event["text"][:4000]})
        elif event.get("event") == "bot" and event.get("text"):
            lines.append({"role": "bot", "text": event["text"][:4000]})
    return lines[-last:]


def summary(tracker: Tracker, topic: Optional[str] = None) -> str:
    """One line for the person who picks the conversation up: the matter in question (its title, not an id)
    and what the user asked last."""
    asked = [e["text"] for e in tracker.events if e.get("event") == "user" and e.get("text")
             and not e["text"].startswith("/")]
    head = f"关注《{topic}》；" if topic else ""
    return head + ("用户最近的问题：" + "｜".join(asked[-3:]) if asked else "用户尚未提问")


def entity(tracker: Tracker, name: str) -> Optional[Any]:
    return next(tracker.get_latest_entity_values(name), None)


def intent_ranking(tracker: Tracker) -> List[Dict[str, Any]]:
    return list(tracker.latest_message.get("intent_ranking") or [])


def answered_this_turn(tracker: Tracker) -> bool:
    """Whether the assistant has already said something since the user's latest message."""
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            return False
        if event.get("event") == "bot":
            return True
    return False


def fallbacks_in_a_row(tracker: Tracker) -> int:
    """How many of the latest user messages, counting back from this one, were not understood: read as
    ``nlu_fallback`` and not answered from the documents anyway (a reply with a citation)."""
    count = 0
    cited = False  # whether the turn being walked back through got a cited answer
    for event in reversed(tracker.events):
        if event.get("event") == "bot":
            cited = cited or bool(((event.get("data") or {}).get("custom") or {}).get("citations"))
            continue
        if event.get("event") != "user":
            continue
        if ((event.get("parse_data") or {}).get("intent") or {}).get("name") != "nlu_fallback" or cited:
            break
        count += 1
        cited = False
    return count
