"""The conversation store masks personal data before storing and forgets idle conversations."""

from __future__ import annotations

import asyncio
import time

from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.tracker_store import MaskingTrackerStore

ID = "440309194803150023"
PHONE = "13812345678"


def _tracker(sender: str) -> DialogueStateTracker:
    entities = [{"entity": "id_number", "value": ID, "start": 5, "end": 23}]
    return DialogueStateTracker.from_events(sender, [
        ActionExecuted("action_listen"),
        UserUttered(f"我是陈桂兰，身份证{ID}，电话{PHONE}", {"name": "inform", "confidence": 0.9}, entities),
        SlotSet("profile_name", "陈*兰"),
    ])


def test_stored_transcript_holds_no_id_or_phone_and_reads_back() -> None:
    store = MaskingTrackerStore(Domain.empty(), retention_days=180)
    asyncio.run(store.save(_tracker("u1")))
    stored = store.store["u1"]
    assert ID not in stored and PHONE not in stored
    assert "440309********0023" in stored and "138****5678" in stored
    back = asyncio.run(store.retrieve("u1"))
    assert back is not None
    assert back.latest_message is not None and "身份证440309********0023" in (back.latest_message.text or "")
    assert any(isinstance(e, SlotSet) and e.value == "陈*兰" for e in back.events)


def test_idle_conversations_are_removed_after_the_retention() -> None:
    store = MaskingTrackerStore(Domain.empty(), retention_days=1)
    asyncio.run(store.save(_tracker("old")))
    asyncio.run(store.save(_tracker("new")))
    store.last_seen["old"] = time.time() - 2 * 86400
    assert store.prune() == 1
    assert asyncio.run(store.retrieve("old")) is None
    assert asyncio.run(store.retrieve("new")) is not None


def test_a_long_conversation_keeps_its_latest_sessions_whole() -> None:
    from bot.tracker_store import latest_sessions

    def session(n: int) -> list:
        return [{"event": "action", "name": "action_session_start"}, {"event": "session_started"},
                *({"event": "user", "text": f"s{n} m{i}"} for i in range(n))]

    events = session(300) + session(200) + session(150)
    kept = latest_sessions(events, limit=400)
    assert kept == session(200) + session(150)  # cut where a session starts, newest kept whole
    assert latest_sessions(events[:100], limit=400) == events[:100]
    one_long = session(600)
    assert latest_sessions(one_long, limit=400) == one_long  # the current session is never cut
