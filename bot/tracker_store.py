"""Rasa's conversation store with personal data masked before anything is stored, and a retention period.

Rasa keeps every message of a conversation (its tracker). This store writes it with ID numbers, phone
numbers and bank accounts masked (``privacy.masking``), so a stored transcript never holds them; the
turn being processed still sees what the user typed. Nothing later needs the raw number: a conversation
acts for a person only through its binding in the eligibility service. Conversations idle for longer than
``POLICYBOT_TRANSCRIPT_RETENTION_DAYS`` (default 180) are removed.

endpoints.yml: ``tracker_store: {type: bot.tracker_store.MaskingTrackerStore}`` (one Rasa server, in memory), or
``{type: bot.tracker_store.MaskingSQLTrackerStore, dialect: postgresql, url: …, db: rasa, …}`` (the production
profile: several Rasa servers share PostgreSQL, each event row stored masked)."""

from __future__ import annotations

import itertools
import json
import os
import time
from typing import Any, Dict, List, Optional

import sqlalchemy as sa
from rasa.core.tracker_store import InMemoryTrackerStore, SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import SessionStarted
from rasa.shared.core.trackers import DialogueStateTracker

from privacy.masking import mask_text

PRUNE_EVERY = 500  # saves between two retention sweeps
MAX_EVENTS = 400  # a longer conversation keeps its latest sessions only (a WeChat OpenID talks for months)


def latest_sessions(events: List[Dict[str, Any]], limit: int = MAX_EVENTS) -> List[Dict[str, Any]]:
    """At most ``limit`` events, cut only where a session starts (slots carry over into a new session), so
    storing and reading a long-lived conversation does not grow without end; the current session is kept
    whole."""
    if len(events) <= limit:
        return events
    starts = [i for i, e in enumerate(events) if e.get("event") == "action" and e.get("name") == "action_session_start"]
    cut = next((i for i in starts if len(events) - i <= limit), starts[-1] if starts else 0)
    return events[cut:]


class MaskingTrackerStore(InMemoryTrackerStore):
    def __init__(self, domain: Domain, event_broker: Optional[Any] = None, retention_days: Optional[float] = None,
                 **kwargs: Dict[str, Any]) -> None:
        super().__init__(domain, event_broker, **kwargs)
        days = retention_days if retention_days is not None else float(
            os.environ.get("POLICYBOT_TRANSCRIPT_RETENTION_DAYS", "180"))
        self.retention_s = days * 86400
        self.last_seen: Dict[str, float] = {}
        self._saves = 0

    @staticmethod
    def serialise_tracker(tracker: DialogueStateTracker) -> str:
        dialogue = tracker.as_dialogue().as_dict()
        dialogue["events"] = latest_sessions(dialogue["events"])
        # ensure_ascii=False: a number right after a Chinese character must stay a separate token
        return mask_text(json.dumps(dialogue, ensure_ascii=False))

    async def save(self, tracker: DialogueStateTracker) -> None:
        await self.stream_events(tracker)
        self.store[tracker.sender_id] = self.serialise_tracker(tracker)
        self.last_seen[tracker.sender_id] = time.time()
        self._saves += 1
        if self._saves % PRUNE_EVERY == 0:
            self.prune()

    def prune(self, now: Optional[float] = None) -> int:
        """Remove conversations idle for longer than the retention period; returns how many."""
        limit = (now or time.time()) - self.retention_s
        old = [sender for sender, seen in self.last_seen.items() if seen < limit]
        for sender in old:
            self.store.pop(sender, None)
            self.last_seen.pop(sender, None)
        return len(old)


class MaskingSQLTrackerStore(SQLTrackerStore):
    """Rasa's SQL tracker store (one row per event) writing every event masked, with the same retention.

    Reads and writes go through SQLAlchemy Core, not the ORM: the same statements as Rasa's (the events of the
    latest session, ordered by id; a count of them; one row per new event with the same columns), without
    building an ORM object per row and a unit of work per turn, which was the largest share of a turn's CPU in
    the production profile (bench/load/figures/README.md)."""

    def __init__(self, domain: Optional[Domain] = None, retention_days: Optional[float] = None,
                 **kwargs: Any) -> None:
        super().__init__(domain, **kwargs)
        days = retention_days if retention_days is not None else float(
            os.environ.get("POLICYBOT_TRANSCRIPT_RETENTION_DAYS", "180"))
        self.retention_s = days * 86400
        self._saves = 0

    def _session_events(self, sender_id: str, columns: List[Any]) -> Any:
        """Rasa's ``_event_query(…, fetch_events_from_all_sessions=False)`` in Core: the events from the latest
        ``session_started`` on (all of them when there is none), in id order."""
        events = self.SQLEvent.__table__
        session_start = (sa.select(sa.func.max(events.c.timestamp))
                         .where(events.c.sender_id == sender_id, events.c.type_name == SessionStarted.type_name)
                         .scalar_subquery())
        return (sa.select(*columns)
                .where(events.c.sender_id == sender_id,
                       sa.or_(events.c.timestamp >= session_start, session_start.is_(None)))
                .order_by(events.c.id))

    async def _retrieve(self, sender_id: str, fetch_events_from_all_sessions: bool) -> Optional[DialogueStateTracker]:
        if fetch_events_from_all_sessions:
            return await super()._retrieve(sender_id, fetch_events_from_all_sessions)
        with self.engine.connect() as conn:
            rows = conn.execute(self._session_events(sender_id, [self.SQLEvent.__table__.c.data])).all()
        events = [json.loads(row[0]) for row in rows]
        if self.domain and events:
            return DialogueStateTracker.from_dict(sender_id, events, self.domain.slots)
        return None

    def stored_count(self, conn: Any, sender_id: str) -> int:
        """How many events of the latest session are stored (Rasa's ``_additional_events`` count)."""
        query = self._session_events(sender_id, [self.SQLEvent.__table__.c.id]).order_by(None).subquery()
        return int(conn.execute(sa.select(sa.func.count()).select_from(query)).scalar() or 0)

    async def save(self, tracker: DialogueStateTracker) -> None:
        await self.stream_events(tracker)
        with self.engine.begin() as conn:
            stored = self.stored_count(conn, tracker.sender_id)
            rows = []
            for event in itertools.islice(tracker.events, stored, len(tracker.events)):
                data = event.as_dict()
                rows.append({
                    "sender_id": tracker.sender_id, "type_name": event.type_name, "timestamp": data.get("timestamp"),
                    "intent_name": (data.get("parse_data") or {}).get("intent", {}).get("name"),
                    "action_name": data.get("name"),
                    # ensure_ascii=False: a number right after a Chinese character must stay a separate token
                    "data": mask_text(json.dumps(data, ensure_ascii=False))})
            if rows:
                conn.execute(self.SQLEvent.__table__.insert(), rows)
        self._saves += 1
        if self._saves % PRUNE_EVERY == 0:
            self.prune()

    def prune(self, now: Optional[float] = None) -> int:
        """Remove conversations idle for longer than the retention period; returns how many."""
        limit = (now or time.time()) - self.retention_s
        events = self.SQLEvent.__table__
        with self.session_scope() as session:
            old = [row[0] for row in session.execute(
                sa.select(events.c.sender_id).group_by(events.c.sender_id)
                .having(sa.func.max(events.c.timestamp) < limit))]
            if old:
                session.execute(events.delete().where(events.c.sender_id.in_(old)))
                session.commit()
        return len(old)
