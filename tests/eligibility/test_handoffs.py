"""Live handoff through the service and the console API: the queue, one operator per conversation,
messages into the user's conversation, handing back; off-hours tickets say when a person answers.

Rasa itself is replaced here by a recording ``ConversationBridge`` that keeps a conversation's events as
Rasa's tracker would; the real Rasa path is tests/e2e (REST journey and the browser)."""

from __future__ import annotations

import datetime as dt
import threading
import time
from pathlib import Path
from typing import Any, Dict, List, Optional

import pytest
from fastapi.testclient import TestClient

from eligibility.app import create_app
from eligibility.errors import AppError
from eligibility.services import handoffs
from eligibility.settings import Settings
from tests.eligibility.conftest import ROOT, TODAY, auth_settings, service_headers, staff_headers

STAFF_PASSWORD = "Staff@2026"
STAFFED = dt.datetime(2026, 11, 27, 10, 0)  # a Friday morning
EVENING_BEFORE_HOLIDAY = dt.datetime(2026, 9, 30, 19, 0)  # 国庆 follows: a person answers 10月8日


class RecordingBridge:
    """Keeps each conversation's events like Rasa's tracker; ``down`` makes it unreachable."""

    def __init__(self) -> None:
        self.log: Dict[str, List[Dict[str, Any]]] = {}
        self.down = False

    def append(self, conversation_id: str, events: List[Dict[str, Any]]) -> None:
        if self.down:
            raise AppError(503, "delivery_failed", "消息暂时没能送达用户，请稍后重试。", "bridge down")
        self.log.setdefault(conversation_id, []).extend(events)

    def said(self, conversation_id: str, text: str, at: Optional[float] = None) -> None:
        self.log.setdefault(conversation_id, []).append(
            {"event": "user", "text": text, "timestamp": at or time.time()})

    def events_of(self, conversation_id: str) -> List[Dict[str, Any]]:
        return self.log.get(conversation_id, [])

    def events(self, conversation_id: str) -> List[Dict[str, Any]]:
        if self.down:
            raise AppError(503, "rasa_unreachable", "暂时无法读取对话记录，请稍后刷新。", "bridge down")
        return list(self.events_of(conversation_id))


def client_at(tmp_path: Path, local_time: dt.datetime) -> TestClient:
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'h.db'}", corpus_dir=ROOT / "knowledge" / "corpus",
                        modes_path=ROOT / "eligibility" / "config" / "modes.yaml", today=TODAY,
                        demo_enterprises=20, demo_citizens=20, local_time=local_time, **auth_settings(tmp_path))
    client = TestClient(create_app(settings))
    bridge = RecordingBridge()
    client.app.state.ctx.bridge = bridge
    client.app.state.bridge = bridge
    return client


@pytest.fixture()
def staffed(tmp_path: Path) -> TestClient:
    return client_at(tmp_path, STAFFED)


def console_login(client: TestClient, username: str) -> TestClient:
    """A second client sharing the app, signed in to the console with its cookie."""
    c = TestClient(client.app)
    r = c.post("/api/console/session", json={"username": username, "password": STAFF_PASSWORD})
    assert r.status_code == 200, r.text
    c.headers.update({"X-Console": "1"})
    return c


def open_handoff(client: TestClient, conversation: str, question: str = "居住证办理要多久") -> Dict[str, Any]:
    """What the bot's action does: a 转人工 ticket with the transcript, then its own message to the user."""
    r = client.post("/tickets", headers=service_headers(conversation), json={
        "conversation_id": conversation, "kind": "handoff", "channel": "socketio",
        "transcript": [{"role": "user", "text": question}, {"role": "bot", "text": "居住证一般10个工作日办结。"},
                       {"role": "user", "text": "转人工"}]})
    assert r.status_code == 201, r.text
    ticket = r.json()
    bridge: RecordingBridge = client.app.state.bridge
    bridge.append(conversation, [{"event": "bot", "text": "正在为您转接人工客服", "timestamp": time.time(),
                                  "data": {"custom": {"type": "handoff", "ticket_id": ticket["id"]}}},
                                 {"event": "pause", "timestamp": time.time()}])
    return ticket


def test_staffed_handoff_is_live_and_queued_in_order(staffed: TestClient) -> None:
    first = open_handoff(staffed, "conv-a")
    second = open_handoff(staffed, "conv-b")
    assert first["live"] and second["live"]
    assert (first["position"], second["position"]) == (0, 1)
    assert first["due_date"] == "2026-11-27" and first["answer_from"] is None
    again = open_handoff(staffed, "conv-a")  # asking twice: the same ticket, not a second one
    assert again["id"] == first["id"] and again["again"]
    op = console_login(staffed, "operator")
    queue = op.get("/api/console/handoffs").json()
    assert queue["waiting"] == 2 and [i["id"] for i in queue["items"]] == [first["id"], second["id"]]
    assert queue["items"][0]["summary"].startswith("转人工")


def test_off_hours_handoff_says_when_and_does_not_pause(tmp_path: Path) -> None:
    client = client_at(tmp_path, EVENING_BEFORE_HOLIDAY)
    r = client.post("/tickets", headers=service_headers("conv-night"), json={
        "conversation_id": "conv-night", "kind": "handoff", "transcript": [{"role": "user", "text": "转人工"}]})
    ticket = r.json()
    assert ticket["live"] is False and ticket["position"] is None
    assert ticket["answer_from"] == "10月8日（周四）9:00" and ticket["due_date"] == "2026-10-08"
    assert ticket["staffed_hours"] == "工作日9:00—12:00、14:00—18:00"


def test_one_operator_per_conversation(staffed: TestClient) -> None:
    ticket = open_handoff(staffed, "conv-race")
    operators = [console_login(staffed, "operator"), console_login(staffed, "admin")]
    results: List[Any] = [None, None]
    barrier = threading.Barrier(2)

    def take(i: int) -> None:
        barrier.wait()
        results[i] = operators[i].post(f"/api/console/handoffs/{ticket['id']}/claim")

    threads = [threading.Thread(target=take, args=(i,)) for i in range(2)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    codes = sorted(r.status_code for r in results)
    assert codes == [200, 409], [r.text for r in results]
    lost = next(r for r in results if r.status_code == 409)
    assert lost.json()["error"]["code"] == "handoff_taken" and "已由" in lost.json()["error"]["message"]
    # the one greeting reached the user once
    bridge: RecordingBridge = staffed.app.state.bridge
    greetings = [e for e in bridge.events_of("conv-race") if (e.get("metadata") or {}).get("operator")]
    assert len(greetings) == 1


def test_reply_reaches_the_conversation_and_hand_back_resumes(staffed: TestClient) -> None:
    ticket = open_handoff(staffed, "conv-live")
    bridge: RecordingBridge = staffed.app.state.bridge
    op = console_login(staffed, "operator")
    tid = ticket["id"]
    early = op.post(f"/api/console/handoffs/{tid}/messages", json={"text": "您好"})
    assert early.status_code == 409 and early.json()["error"]["code"] == "not_your_handoff"
    assert op.post(f"/api/console/handoffs/{tid}/claim").status_code == 200
    bridge.said("conv-live", "我的身份证440301199001011234，居住证多久能拿到？")
    sent = op.post(f"/api/console/handoffs/{tid}/messages", json={"text": "一般10个工作日，您可以在“i深圳”查进度。"})
    assert sent.status_code == 201, sent.text
    last = bridge.events_of("conv-live")[-1]
    assert last["event"] == "bot" and last["text"].startswith("一般10个工作日") and last["metadata"]["operator"] == "operator"
    view = op.get(f"/api/console/handoffs/{tid}").json()
    roles = [line["role"] for line in view["transcript"]]
    assert roles[:3] == ["user", "bot", "user"] and roles[3:] == ["operator", "user", "operator"]
    assert "440301199001011234" not in str(view) and view["transcript_source"] == "rasa"
    # someone else cannot write into it or close it
    other = console_login(staffed, "admin")
    assert other.post(f"/api/console/handoffs/{tid}/messages", json={"text": "插话"}).status_code == 409
    assert op.post(f"/api/console/handoffs/{tid}/release", json={"note": ""}).status_code == 422
    done = op.post(f"/api/console/handoffs/{tid}/release", json={"note": "已告知办理时限与查询渠道"})
    assert done.status_code == 200, done.text
    tail = bridge.events_of("conv-live")[-3:]
    assert tail[0] == {"event": "resume"} and tail[1]["event"] == "bot"
    assert tail[2] == {"event": "action", "name": "action_listen"}  # the policies see a bot waiting for the user
    assert [b["title"] for b in tail[1]["data"]["buttons"]][0] == "非常满意"
    closed = done.json()
    assert closed["status"] == "已办结" and closed["live"] is False and closed["transcript_source"] == "ticket"
    assert any(line["role"] == "operator" for line in closed["transcript"])  # kept on the ticket
    assert op.get("/api/console/handoffs", params={"scope": "closed"}).json()["items"][0]["id"] == tid
    history = staffed.get(f"/tickets/{tid}", headers=staff_headers(staffed, "operator")).json()["history"]
    assert [h["actor"] for h in history][-2:] == ["staff:operator", "staff:operator"]


def test_undeliverable_reply_is_an_error_and_not_recorded(staffed: TestClient) -> None:
    ticket = open_handoff(staffed, "conv-down")
    op = console_login(staffed, "operator")
    assert op.post(f"/api/console/handoffs/{ticket['id']}/claim").status_code == 200
    bridge: RecordingBridge = staffed.app.state.bridge
    bridge.down = True
    r = op.post(f"/api/console/handoffs/{ticket['id']}/messages", json={"text": "您好"})
    assert r.status_code == 503 and r.json()["error"]["code"] == "delivery_failed"
    # handing back while Rasa is down changes nothing: the conversation must not stay paused behind a closed ticket
    assert op.post(f"/api/console/handoffs/{ticket['id']}/release", json={"note": "结束"}).status_code == 503
    view = op.get(f"/api/console/handoffs/{ticket['id']}").json()
    assert view["status"] == "处理中" and view["transcript_source"] == "console"
    assert [line["text"] for line in view["transcript"] if line["role"] == "operator"] == \
        ["您好，人工客服已接入，请问有什么可以帮您？"]


def test_console_needs_a_session_and_the_operator_role(staffed: TestClient) -> None:
    ticket = open_handoff(staffed, "conv-auth")
    anonymous = TestClient(staffed.app)
    assert anonymous.get("/api/console/handoffs").status_code == 401
    assert anonymous.post(f"/api/console/handoffs/{ticket['id']}/claim").status_code == 401
    reviewer = console_login(staffed, "reviewer")
    assert reviewer.get("/api/console/handoffs").status_code == 403
    op = console_login(staffed, "operator")
    del op.headers["X-Console"]  # a cross-site form cannot set the header: refused although the cookie is sent
    r = op.post(f"/api/console/handoffs/{ticket['id']}/claim")
    assert r.status_code == 403 and r.json()["error"]["code"] == "csrf_check_failed"


def test_the_queue_pages_and_counts(staffed: TestClient) -> None:
    ctx = staffed.app.state.ctx
    for i in range(7):
        open_handoff(staffed, f"conv-q{i}")
    page = handoffs.queue(ctx, "waiting", "operator", limit=3, offset=3)
    assert page["total"] == 7 and len(page["items"]) == 3
    handoffs.claim(ctx, page["items"][0]["id"], "operator")
    assert handoffs.queue(ctx, "waiting", "operator")["total"] == 6
    assert [i["id"] for i in handoffs.queue(ctx, "mine", "operator")["items"]] == [page["items"][0]["id"]]
    assert handoffs.queue(ctx, "mine", "admin")["total"] == 0


def test_a_live_handoff_nobody_takes_resumes_the_bot_and_stays_a_ticket(staffed: TestClient) -> None:
    import sqlalchemy as sa

    from eligibility.storage import tables as t

    ctx = staffed.app.state.ctx
    bridge: RecordingBridge = staffed.app.state.bridge
    old, fresh = open_handoff(staffed, "conv-old"), open_handoff(staffed, "conv-fresh")
    with ctx.db.write() as conn:
        conn.execute(t.tickets.update().where(t.tickets.c.id == old["id"]).values(
            created_at=ctx.now() - dt.timedelta(minutes=ctx.settings.handoff_wait_minutes + 1)))
    assert handoffs.release_unanswered(ctx) == {"released": 1, "failed": 0}
    told = bridge.events_of("conv-old")[-3:]
    assert told[0] == {"event": "resume"} and told[2] == {"event": "action", "name": "action_listen"}
    assert old["id"] in told[1]["text"] and "尽快回复" in told[1]["text"]
    assert bridge.events_of("conv-fresh")[-1]["event"] == "pause"  # still waiting its turn
    waiting = {i["id"]: i for i in handoffs.queue(ctx, "waiting", "operator")["items"]}
    assert waiting[old["id"]]["live"] is False and waiting[fresh["id"]]["live"] is True
    assert handoffs.release_unanswered(ctx)["released"] == 0  # once
    # staffed hours end: whoever still waits is told when a person is next at work
    ctx.settings.local_time = dt.datetime(2026, 11, 27, 18, 5)
    assert handoffs.release_unanswered(ctx)["released"] == 1
    assert "11月30日（周一）9:00" in bridge.events_of("conv-fresh")[-2]["text"]
    with ctx.db.read() as conn:
        due = conn.execute(sa.select(t.tickets.c.due_date).where(t.tickets.c.id == fresh["id"])).scalar()
    assert due == dt.date(2026, 11, 30)


def test_the_service_scheduler_hands_back_unanswered_handoffs(staffed: TestClient) -> None:
    from eligibility import jobs
    from eligibility.storage import tables as t

    ctx = staffed.app.state.ctx
    bridge: RecordingBridge = staffed.app.state.bridge
    old = open_handoff(staffed, "conv-sched")
    with ctx.db.write() as conn:
        conn.execute(t.tickets.update().where(t.tickets.c.id == old["id"]).values(
            created_at=ctx.now() - dt.timedelta(minutes=ctx.settings.handoff_wait_minutes + 1)))
    scheduler = jobs.Scheduler(ctx, hours=0, dispatch_seconds=0.05)
    scheduler.start()
    try:
        deadline = time.time() + 10
        while bridge.events_of("conv-sched")[-1].get("event") != "action" and time.time() < deadline:
            time.sleep(0.05)
    finally:
        scheduler.stop()
    assert bridge.events_of("conv-sched")[-3] == {"event": "resume"}
