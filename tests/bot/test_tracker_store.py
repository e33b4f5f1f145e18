"""The conversation store masks personal data before storing and forgets idle conversations."""

from __future__ import annotations

import asyncio
import json
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


def _sql_stores(tmp_path):  # type: ignore[no-untyped-def]
    """The SQL store on SQLite and on a throwaway PostgreSQL cluster (the production profile's database)."""
    from bot.tracker_store import MaskingSQLTrackerStore
    from eligibility.storage.pgtemp import TempPostgres

    yield MaskingSQLTrackerStore(Domain.empty(), dialect="sqlite", db=str(tmp_path / "rasa.db"), retention_days=1)
    with TempPostgres("rasa") as pg:
        yield MaskingSQLTrackerStore(Domain.empty(), dialect="postgresql", host="127.0.0.1", port=pg.port, db="rasa",
                                     username="postgres", retention_days=1)


def test_the_sql_store_masks_every_event_row_reads_back_and_forgets(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import sqlalchemy as sa

    for store in _sql_stores(tmp_path):
        asyncio.run(store.save(_tracker("u1")))
        asyncio.run(store.save(_tracker("u2")))
        with store.engine.connect() as conn:
            rows = [r[0] for r in conn.execute(sa.text("SELECT data FROM events"))]
        assert rows and not any(ID in r or PHONE in r for r in rows), store.engine.url
        assert any("440309********0023" in r for r in rows)
        back = asyncio.run(store.retrieve("u1"))
        assert back is not None and "身份证440309********0023" in (back.latest_message.text or "")  # type: ignore[union-attr]
        assert store.prune(now=time.time() + 0.5 * 86400) == 0  # within the retention: kept
        assert store.prune(now=time.time() + 2 * 86400) == 2
        with store.engine.connect() as conn:
            assert conn.execute(sa.text("SELECT count(*) FROM events")).scalar() == 0
        store.engine.dispose()


def _store_pairs(tmp_path):  # type: ignore[no-untyped-def]
    """Rasa's own SQL store and ours, side by side, on SQLite and on PostgreSQL."""
    from rasa.core.tracker_store import SQLTrackerStore

    from bot.tracker_store import MaskingSQLTrackerStore
    from eligibility.storage.pgtemp import TempPostgres

    domain = Domain.from_dict({"slots": {"topic": {"type": "text", "mappings": [{"type": "custom"}]}}})
    yield (SQLTrackerStore(domain, dialect="sqlite", db=str(tmp_path / "stock.db")),
           MaskingSQLTrackerStore(domain, dialect="sqlite", db=str(tmp_path / "ours.db")))
    with TempPostgres("stock") as a, TempPostgres("ours") as b:
        yield (SQLTrackerStore(domain, dialect="postgresql", host="127.0.0.1", port=a.port, db="stock",
                               username="postgres"),
               MaskingSQLTrackerStore(domain, dialect="postgresql", host="127.0.0.1", port=b.port, db="ours",
                                      username="postgres"))


def test_the_sql_store_writes_and_reads_what_rasas_own_store_does(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Turn by turn, across a new session, with a second save in the same turn and a conversation unknown
    to the store: the same rows (columns and data) and the same trackers read back as Rasa's ORM store."""
    import sqlalchemy as sa
    from rasa.shared.core.events import SessionStarted

    def turn(i: int) -> list:
        return [ActionExecuted("action_listen", timestamp=1000.0 + 10 * i),
                UserUttered(f"第{i}句", {"name": "ask_policy", "confidence": 0.9}, [], timestamp=1001.0 + 10 * i),
                SlotSet("topic", f"t{i}", timestamp=1002.0 + 10 * i),
                ActionExecuted("action_answer_policy", timestamp=1003.0 + 10 * i)]

    for stock, ours in _store_pairs(tmp_path):
        outcomes = []
        for store in (stock, ours):
            assert asyncio.run(store.retrieve("c")) is None
            tracker = DialogueStateTracker.from_events("c", turn(0))
            asyncio.run(store.save(tracker))
            for i in (1, 2):
                tracker = asyncio.run(store.retrieve("c"))
                assert tracker is not None
                for e in turn(i):
                    tracker.update(e)
                asyncio.run(store.save(tracker))
                asyncio.run(store.save(tracker))  # saved twice in one turn: nothing written twice
            tracker = asyncio.run(store.retrieve("c"))
            for e in [ActionExecuted("action_session_start", timestamp=2000.0), SessionStarted(timestamp=2000.5),
                      SlotSet("topic", "kept", timestamp=2000.6), ActionExecuted("action_listen", timestamp=2000.7)]:
                tracker.update(e)
            asyncio.run(store.save(tracker))
            for e in turn(3):
                tracker.update(e)
            asyncio.run(store.save(tracker))
            back = asyncio.run(store.retrieve("c"))
            with store.engine.connect() as conn:
                rows = [tuple(r) for r in conn.execute(sa.text(
                    "SELECT sender_id, type_name, timestamp, intent_name, action_name, data FROM events ORDER BY id"))]
            # the data column is the same JSON (ours keeps Chinese unescaped, so masking sees digits as tokens)
            rows = [(*r[:5], json.loads(r[5])) for r in rows]
            outcomes.append((rows, [e.as_dict() for e in back.events], back.current_state()["slots"]))
            store.engine.dispose()
        assert outcomes[0][0] and outcomes[1] == outcomes[0]
