"""Reminders and 免申即享 notices through the outbox and the user's conversation: queued once however often the
job runs (SMS to verified subscribers, a chat message to every subscribed or bound conversation), sent once
through Rasa (a recording bridge here), retried after a failure with a growing delay, given up after the
last attempt, never sent twice (concurrent dispatchers, a delivery reported failed that was made)."""

from __future__ import annotations

import datetime as dt
import threading
import time
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Tuple

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from eligibility import jobs
from eligibility.auth.principal import Principal
from eligibility.context import Context
from eligibility.errors import AppError
from eligibility.profiles.demo import PERSONAS
from eligibility.profiles.store import insert_profiles
from eligibility.services import bindings, outbox, personal_data
from eligibility.storage import tables as t
from privacy.masking import contains_personal_data
from tests.eligibility.conftest import bind, doc, service_headers, write_corpus, write_modes

ELDER = PERSONAS[3].id
AGE = {"field": "age", "op": ">=", "value": 70, "text": "年满70周岁"}
ADMIN = Principal("staff", "admin", roles=frozenset({"admin"}))
# TODAY (conftest) is 2026-11-27
DOCS = [
    doc("ENT-901", [], category="人才", title="人才测试政策一", window={"start": "2026-12-01", "end": "2027-01-20", "text": "12月1日起"}),
    doc("ENT-902", [], category="人才", title="人才测试政策二", window={"start": "2026-11-01", "end": "2026-12-03", "text": "12月3日截止"}),
    doc("ENT-903", [], category="人才", window={"start": "2027-03-01", "end": "2027-03-31", "text": "明年3月"}),
    doc("CIT-950", [AGE], audience="citizen", category="养老", title="高龄测试津贴", mode="免申即享", amount=0.2),
]


class RecordingBridge:
    """A ``ConversationBridge`` that records what reaches each conversation; it fails the next ``fail`` calls
    (after recording them when ``took_it``: a timeout after Rasa had taken the events)."""

    def __init__(self, fail: int = 0, took_it: bool = False, delay: float = 0.0):
        self.appended: List[Tuple[str, List[Dict[str, Any]]]] = []
        self.fail, self.took_it, self.delay = fail, took_it, delay
        self._lock = threading.Lock()

    def append(self, conversation_id: str, events: List[Dict[str, Any]]) -> None:
        time.sleep(self.delay)
        with self._lock:
            if self.fail and self.took_it:
                self.appended.append((conversation_id, events))
            if self.fail:
                self.fail -= 1
                raise AppError(503, "delivery_failed", "消息暂时没能送达用户，请稍后重试。",
                               "rasa unreachable (caller 13800138000)")
            self.appended.append((conversation_id, events))

    def events(self, conversation_id: str) -> List[Dict[str, Any]]:
        return [e for c, events in self.appended if c == conversation_id for e in events]

    def sent_ids(self) -> List[int]:
        return [e["metadata"]["outbox_id"] for _, events in self.appended for e in events if e["event"] == "bot"]


def _client(tmp_path: Path, make_client: Callable[..., TestClient], url: Optional[str] = None) -> TestClient:
    corpus = write_corpus(tmp_path / "corpus", DOCS)
    modes = write_modes(tmp_path / "modes.yaml", [{"id": "CIT-950", "handling": "免申即享", "basis": "demo"}])
    c = make_client(url, corpus=corpus, modes=modes, seed_demo=False, outbox_max_attempts=3, outbox_retry_seconds=60)
    ctx = c.app.state.ctx
    with ctx.db.write() as conn:
        insert_profiles(conn, [{"id": ELDER, "kind": "citizen", "name": "陈桂兰", "sources": {}, "values": {"age": 80}}],
                        ctx.policies.catalogue)
    return c


@pytest.fixture()
def client(tmp_path: Path, make_client: Callable[..., TestClient]) -> TestClient:
    return _client(tmp_path, make_client)


@pytest.fixture()
def clock(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> List[dt.datetime]:
    """The service's clock, moved by the test (``clock[0] += …``)."""
    now = [dt.datetime(2026, 11, 27, 9, 0)]
    monkeypatch.setattr(client.app.state.ctx, "now", lambda: now[0])
    return now


def subscribe(client: TestClient, conversation: str, topic: str) -> None:
    r = client.post("/subscriptions", json={"conversation_id": conversation, "topic": topic},
                    headers=service_headers(conversation))
    assert r.status_code in (200, 201), r.text


def rows(ctx: Context, **where: Any) -> List[Dict[str, Any]]:
    q = sa.select(t.outbox).where(*(t.outbox.c[k] == v for k, v in where.items())).order_by(t.outbox.c.id)
    with ctx.db.read() as conn:
        return [dict(r) for r in conn.execute(q).mappings()]


def world(client: TestClient) -> Context:
    """An unbound conversation subscribed to 人才 (twice over: 人才 and all), 陈桂兰 bound and subscribed."""
    subscribe(client, "rem-anon", "人才")
    subscribe(client, "rem-anon", "all")
    bind(client, ELDER, "rem-elder")
    subscribe(client, "rem-elder", "人才")
    return client.app.state.ctx


# ---- queued once ------------------------------------------------------------------------------------------

def test_each_reminder_and_notice_is_queued_once_to_the_right_places(client: TestClient) -> None:
    ctx = world(client)
    first = jobs.run_reminders(ctx)
    for _ in range(2):
        again = jobs.run_reminders(ctx)
        assert again["reminders"]["chat_queued"] == again["reminders"]["queued"] == 0
        assert again["grant_notices"]["chat_queued"] == again["grants"]["grants_created"] == 0
    assert first["reminders"] == {"queued": 2, "chat_queued": 4, "unverified_subscriptions": 2}
    assert first["grants"]["grants_created"] == 1 and first["grant_notices"] == {"chat_queued": 1}
    chat = rows(ctx, channel="chat")
    got = sorted((r["recipient"], r["purpose"], r["policy_id"]) for r in chat)
    # the unbound conversation: chat only, once per event although two of its subscriptions cover it
    assert got == [("rem-anon", "reminder", "ENT-901"), ("rem-anon", "reminder", "ENT-902"),
                   ("rem-elder", "grant", "CIT-950"), ("rem-elder", "reminder", "ENT-901"),
                   ("rem-elder", "reminder", "ENT-902")]
    sms = [r for r in rows(ctx, channel="sms") if r["purpose"] == "reminder"]
    assert sorted(r["subject_id"] for r in sms) == [ELDER, ELDER]  # the verified subscriber: SMS as well
    assert all(r["status"] == "queued" and r["attempts"] == 0 for r in chat)
    opens = next(r["body"] for r in chat if r["recipient"] == "rem-anon" and r["policy_id"] == "ENT-901")
    closes = next(r["body"] for r in chat if r["recipient"] == "rem-anon" and r["policy_id"] == "ENT-902")
    notice = next(r["body"] for r in chat if r["purpose"] == "grant")
    assert "“人才测试政策一”12月1日（还有4天）开始申报" in opens and "一键申报" in opens and "需要什么材料" in opens
    assert "“人才测试政策二”的申报12月3日（还有6天）截止" in closes
    assert "高龄测试津贴" in notice and "无需申请" in notice and "查一下免申即享" in notice
    for r in chat:
        assert not contains_personal_data(r["body"]) and "ENT-" not in r["body"] and len(r["body"]) < 120


def test_a_notice_reaches_a_conversation_bound_later_and_none_after_logout(client: TestClient) -> None:
    ctx = client.app.state.ctx
    jobs.run_reminders(ctx)
    assert rows(ctx, channel="chat") == []  # 陈桂兰's grant waits, but no conversation is bound to her
    bind(client, ELDER, "rem-later")
    assert jobs.run_reminders(ctx)["grant_notices"] == {"chat_queued": 1}
    r = client.delete("/auth/binding", headers=service_headers("rem-later"))
    assert r.status_code == 200, r.text
    with ctx.db.write() as conn:  # bound again elsewhere, then logged out (a second code would wait a minute)
        bindings.bind(conn, ctx, "rem-third", "rest", ELDER, "otp")
    client.delete("/auth/binding", headers=service_headers("rem-third"))
    assert jobs.run_reminders(ctx)["grant_notices"] == {"chat_queued": 0}
    assert [r["recipient"] for r in rows(ctx, channel="chat")] == ["rem-later"]


# ---- sent once ---------------------------------------------------------------------------------------------

def test_dispatch_sends_each_message_once_and_retries_a_failure_later(client: TestClient,
                                                                        clock: List[dt.datetime]) -> None:
    ctx = world(client)
    jobs.run_reminders(ctx)
    queued = [r["id"] for r in rows(ctx, channel="chat")]
    bridge = RecordingBridge(fail=1)
    assert outbox.dispatch_chat(ctx, bridge) == {"sent": 4, "retry": 1, "failed": 0}
    failed = rows(ctx, id=queued[0])[0]
    assert failed["status"] == "queued" and failed["attempts"] == 1
    assert failed["next_attempt_at"] == clock[0] + dt.timedelta(seconds=60)
    assert "13800138000" not in failed["error"] and "rasa unreachable" in failed["error"]
    assert outbox.dispatch_chat(ctx, bridge) == {"sent": 0, "retry": 0, "failed": 0}  # not due yet
    clock[0] += dt.timedelta(seconds=61)
    assert outbox.dispatch_chat(ctx, bridge) == {"sent": 1, "retry": 0, "failed": 0}
    assert outbox.dispatch_chat(ctx, bridge) == {"sent": 0, "retry": 0, "failed": 0}
    assert sorted(bridge.sent_ids()) == sorted(queued)  # each exactly once
    assert {r["status"] for r in rows(ctx, channel="chat")} == {"sent"}
    # what reached 陈桂兰's conversation: the notice with its button, the policy it is about as current_policy
    conversation, events = next((c, e) for c, e in bridge.appended if e[0]["metadata"]["purpose"] == "grant")
    assert conversation == "rem-elder" and events[0]["event"] == "bot" and "高龄测试津贴" in events[0]["text"]
    assert events[0]["data"]["buttons"] == [{"title": "确认收款账户", "payload": "/check_grants"}]
    assert events[1] == {"event": "slot", "name": "current_policy", "value": "CIT-950",
                         "timestamp": events[0]["timestamp"]}
    assert all(r["status"] == "queued" for r in rows(ctx, channel="sms"))  # SMS wait for a gateway


def test_a_delivery_reported_failed_but_made_is_not_sent_again(client: TestClient, clock: List[dt.datetime]) -> None:
    ctx = world(client)
    jobs.run_reminders(ctx)
    bridge = RecordingBridge(fail=5, took_it=True)  # Rasa takes every event, the answer times out
    assert outbox.dispatch_chat(ctx, bridge)["retry"] == 5
    clock[0] += dt.timedelta(minutes=5)
    assert outbox.dispatch_chat(ctx, bridge) == {"sent": 5, "retry": 0, "failed": 0}
    assert len(bridge.sent_ids()) == 5 == len(set(bridge.sent_ids()))


def test_after_the_last_attempt_a_message_is_failed_for_good(client: TestClient, clock: List[dt.datetime]) -> None:
    ctx = client.app.state.ctx
    subscribe(client, "rem-down", "ENT-901")
    jobs.run_reminders(ctx)
    bridge = RecordingBridge(fail=100)
    delays = []
    for attempt in range(1, 4):
        before = clock[0]
        out = outbox.dispatch_chat(ctx, bridge)
        row = rows(ctx, channel="chat")[0]
        assert row["attempts"] == attempt
        if attempt < 3:
            assert out == {"sent": 0, "retry": 1, "failed": 0}
            delays.append(row["next_attempt_at"] - before)
            clock[0] = row["next_attempt_at"]
    assert out == {"sent": 0, "retry": 0, "failed": 1} and row["status"] == "failed"
    assert delays == [dt.timedelta(seconds=60), dt.timedelta(seconds=120)]  # doubling
    clock[0] += dt.timedelta(days=1)
    assert outbox.dispatch_chat(ctx, bridge) == {"sent": 0, "retry": 0, "failed": 0}
    assert bridge.appended == []


def test_a_claim_left_by_a_crash_is_checked_then_sent_once(client: TestClient, clock: List[dt.datetime]) -> None:
    ctx = client.app.state.ctx
    subscribe(client, "rem-crash", "ENT-901")
    jobs.run_reminders(ctx)
    [row] = rows(ctx, channel="chat")
    assert outbox._claim(ctx, row["id"]) is not None  # a dispatcher took it, then died
    bridge = RecordingBridge()
    assert outbox.dispatch_chat(ctx, bridge)["sent"] == 0  # its lease still runs
    clock[0] += outbox.CHAT_LEASE + dt.timedelta(seconds=1)
    assert outbox.dispatch_chat(ctx, bridge) == {"sent": 1, "retry": 0, "failed": 0}
    assert bridge.sent_ids() == [row["id"]] and rows(ctx, channel="chat")[0]["attempts"] == 2


@pytest.mark.parametrize("database", ["sqlite", "postgres"])
def test_concurrent_dispatchers_send_each_message_once(database: str, tmp_path: Path, request: pytest.FixtureRequest,
                                                       make_client: Callable[..., TestClient]) -> None:
    url = request.getfixturevalue("fresh_pg") if database == "postgres" else None
    client = _client(tmp_path, make_client, url)
    ctx = world(client)
    for n in range(12):
        subscribe(client, f"rem-many-{n}", "人才")
    jobs.run_reminders(ctx)
    queued = sorted(r["id"] for r in rows(ctx, channel="chat"))
    assert len(queued) == 29
    bridge = RecordingBridge(delay=0.005)
    threads = [threading.Thread(target=outbox.dispatch_chat, args=(ctx, bridge)) for _ in range(4)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert sorted(bridge.sent_ids()) == queued


def test_the_scheduler_dispatches_on_its_own(client: TestClient) -> None:
    ctx = world(client)
    jobs.run_reminders(ctx)
    ctx.bridge = bridge = RecordingBridge()
    scheduler = jobs.Scheduler(ctx, hours=0, dispatch_seconds=0.05)
    scheduler.start()
    try:
        deadline = time.time() + 10
        while len(bridge.sent_ids()) < 5 and time.time() < deadline:
            time.sleep(0.05)
    finally:
        scheduler.stop()
    assert sorted(bridge.sent_ids()) == sorted(r["id"] for r in rows(ctx, channel="chat"))
    assert jobs.Scheduler(ctx, hours=0, dispatch_seconds=0).tasks == []  # both off: no thread


def test_sms_dispatch_leaves_chat_messages_alone(client: TestClient) -> None:
    ctx = world(client)
    jobs.run_reminders(ctx)

    class Gateway:
        def __init__(self) -> None:
            self.sent: List[str] = []

        def send(self, recipient: str, body: str) -> None:
            self.sent.append(recipient)

    gateway = Gateway()
    outbox.dispatch(ctx, gateway, limit=500)
    assert gateway.sent and not any(r.startswith("rem-") for r in gateway.sent)
    assert {r["status"] for r in rows(ctx, channel="chat")} == {"queued"}


# ---- personal data --------------------------------------------------------------------------------------

def test_messages_not_sent_yet_go_with_the_conversation_or_the_persons_data(client: TestClient) -> None:
    ctx = world(client)
    jobs.run_reminders(ctx)
    # the user left the channel: what was still to be said to that conversation goes with it
    assert personal_data.forget_conversation(ctx, "rem-anon", ADMIN)["queued_messages"] == 2
    assert "rem-anon" not in {r["recipient"] for r in rows(ctx, channel="chat")}
    done = personal_data.delete(ctx, ELDER, ADMIN)
    assert done["deleted"]["queued_reminders"] == 2
    assert [(r["recipient"], r["purpose"]) for r in rows(ctx, channel="chat")] == [("rem-elder", "grant")]
