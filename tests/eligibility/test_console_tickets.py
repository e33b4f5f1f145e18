"""Tickets and application reviews from the console: filters and overdue, status changes signed by the
operator who made them, roles, and a reviewer's decision with a reason the applicant sees."""

from __future__ import annotations

import datetime as dt
from typing import Any, Dict, Iterator, List

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from eligibility.services import applications, feedback
from eligibility.storage import tables as t
from tests.eligibility.conftest import TODAY, minted
from tests.eligibility.console_session import CHEN, CSRF, console_app, error_code, signed_in

LI = "430102200206110032"  # 李思涵, a citizen of the demo data account


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FastAPI]:
    yield console_app(tmp_path_factory.mktemp("console-tickets"))


@pytest.fixture(scope="module")
def operator(app: FastAPI) -> TestClient:
    return signed_in(app, "operator")


@pytest.fixture(scope="module")
def reviewer(app: FastAPI) -> TestClient:
    return signed_in(app, "reviewer")


def complaint(app: FastAPI, text: str = "办事窗口态度不好，我要投诉", profile: Any = None) -> Dict[str, Any]:
    return feedback.complaint(app.state.ctx, "conv-console-tickets", [{"role": "user", "text": text}], None, profile,
                              "13800138000")


def set_due(app: FastAPI, tid: str, due: dt.date) -> None:
    with app.state.ctx.db.write() as conn:
        conn.execute(t.tickets.update().where(t.tickets.c.id == tid).values(due_date=due))


def test_the_ticket_list_filters_and_marks_overdue_tickets(app: FastAPI, operator: TestClient) -> None:
    late, on_time = complaint(app, "补贴迟迟没到账"), complaint(app, "网站打不开")
    set_due(app, late["id"], TODAY - dt.timedelta(days=1))
    r = operator.get("/api/console/tickets", params={"kind": "complaint"})
    assert r.status_code == 200, r.text
    shown = {tk["id"]: tk for tk in r.json()["tickets"]}
    assert {late["id"], on_time["id"]} <= set(shown) and all(tk["kind"] == "complaint" for tk in shown.values())
    assert shown[late["id"]]["overdue"] is True and shown[on_time["id"]]["overdue"] is False
    assert shown[on_time["id"]]["next_statuses"] == ["整改中", "已办结"]
    assert shown[late["id"]]["contact"] == "138****8000"  # masked
    overdue = operator.get("/api/console/tickets", params={"overdue": "true"}).json()["tickets"]
    assert late["id"] in {tk["id"] for tk in overdue} and on_time["id"] not in {tk["id"] for tk in overdue}
    assert all(tk["overdue"] for tk in overdue)
    waiting = operator.get("/api/console/tickets", params={"status": "待回访", "kind": "complaint"}).json()
    assert waiting["total"] >= 2 and all(tk["status"] == "待回访" for tk in waiting["tickets"])
    for bad in ({"kind": "anything"}, {"status": "done"}, {"limit": 0}):
        assert operator.get("/api/console/tickets", params=bad).status_code == 422, bad
    # a closed ticket is never overdue
    operator.patch(f"/api/console/tickets/{late['id']}", json={"status": "已办结", "note": "已回访并解决"}, headers=CSRF)
    assert operator.get(f"/api/console/tickets/{late['id']}").json()["overdue"] is False


def test_status_changes_carry_the_signed_in_operator(app: FastAPI, operator: TestClient) -> None:
    tid = complaint(app)["id"]
    url = f"/api/console/tickets/{tid}"
    moved = operator.patch(url, json={"status": "整改中", "note": "已联系窗口负责人", "assignee": "operator"}, headers=CSRF)
    assert moved.status_code == 200, moved.text
    body = moved.json()
    assert body["status"] == "整改中" and body["assignee"] == "operator" and body["next_statuses"] == ["已办结"]
    last = body["history"][-1]
    assert last["actor"] == "staff:operator" and last["note"] == "已联系窗口负责人" and last["status"] == "整改中"
    assert dt.datetime.fromisoformat(last["at"]).date() == TODAY
    # the body cannot name another actor
    forged = operator.patch(url, json={"note": "备注", "actor": "staff:admin"}, headers=CSRF)
    assert forged.status_code == 422
    # closing needs a note; a move the flow does not allow is refused in Chinese
    no_note = operator.patch(url, json={"status": "已办结"}, headers=CSRF)
    assert no_note.status_code == 422 and error_code(no_note) == "note_required"
    backwards = operator.patch(url, json={"status": "待回访"}, headers=CSRF)
    assert backwards.status_code == 409 and "只能变更为：已办结" in backwards.json()["error"]["message"]
    unknown = operator.patch(url, json={"assignee": "nobody-here"}, headers=CSRF)
    assert unknown.status_code == 422 and error_code(unknown) == "unknown_assignee"
    admin = signed_in(app, "admin")
    done = admin.patch(url, json={"status": "已办结", "note": "整改完成，已回访市民"}, headers=CSRF).json()
    assert [(e["status"], e["actor"]) for e in done["history"]] == [
        ("待回访", "system"), ("整改中", "staff:operator"), ("已办结", "staff:admin")]
    assert done["next_statuses"] == []
    assert operator.get("/api/console/tickets/GD20000101NOSUCH01").status_code == 404


def test_a_work_order_moves_through_its_own_flow(app: FastAPI, operator: TestClient) -> None:
    made = operator.post("/api/console/work-orders", headers=CSRF, json={
        "caller": "王先生", "question": "居住证签注怎么办", "policy_id": "CIT-002", "outcome": "已告知办理渠道",
        "next_step": "三日后回访"})
    assert made.status_code == 201, made.text
    tid = made.json()["id"]
    assert made.json()["status"] == "待处理" and made.json()["next_statuses"] == ["处理中", "已办结"]
    listed = operator.get("/api/console/tickets", params={"kind": "workorder"}).json()["tickets"]
    assert tid in {tk["id"] for tk in listed} and all(tk["kind_label"] == "工单" for tk in listed)
    assert operator.patch(f"/api/console/tickets/{tid}", json={"status": "处理中"}, headers=CSRF).status_code == 200
    closed = operator.patch(f"/api/console/tickets/{tid}", json={"status": "已办结", "note": "已回访"}, headers=CSRF)
    assert closed.status_code == 200 and closed.json()["status"] == "已办结"
    assert [e["actor"] for e in closed.json()["history"]] == ["staff:operator"] * 3


def test_roles(app: FastAPI, operator: TestClient, reviewer: TestClient) -> None:
    tid = complaint(app)["id"]
    for method, url, body in (("GET", "/api/console/tickets", None), ("GET", f"/api/console/tickets/{tid}", None),
                              ("PATCH", f"/api/console/tickets/{tid}", {"note": "看看"}),
                              ("POST", "/api/console/assist", {"question": "高龄津贴"}),
                              ("POST", "/api/console/quick-check", {"subject_id": CHEN, "reason": "来电咨询"}),
                              ("GET", "/api/console/work-orders/draft", None),
                              ("POST", "/api/console/work-orders", {"caller": "市民", "question": "问", "outcome": "答",
                                                                    "next_step": "无"})):
        r = reviewer.request(method, url, json=body, headers=CSRF,
                             params={"ticket_id": tid} if url.endswith("draft") else None)
        assert r.status_code == 403 and error_code(r) == "forbidden_role", (url, r.text)
    for method, url, body in (("GET", "/api/console/reviews", None),
                              ("POST", "/api/console/reviews/SQ20261127ABCDEF0123", {"decision": "approved"})):
        r = operator.request(method, url, json=body, headers=CSRF)
        assert r.status_code == 403 and error_code(r) == "forbidden_role", (url, r.text)
    assert reviewer.get(f"/api/console/tickets/{tid}").status_code == 403
    assert feedback.get(app.state.ctx, tid)["history"][-1]["actor"] == "system"  # nothing changed


def _under_review(app: FastAPI, subject: str) -> List[str]:
    """Applications of ``subject`` waiting for a reviewer (常规申报 items it is eligible for)."""
    ctx = app.state.ctx
    made = []
    for policy_id in ("CIT-002", "CIT-003", "CIT-010", "CIT-011", "CIT-012", "CIT-015"):
        policy = ctx.policies.get(policy_id)
        if policy is None or policy.audience != "citizen":
            continue
        try:
            out, _ = applications.create(ctx, subject, policy_id, None, {})
        except Exception:  # not eligible, window closed, 免申即享: another one will do
            continue
        if out["status"] == "under_review":
            made.append(out["id"])
    assert len(made) >= 2, "too few applications could be made to review"
    return made


def test_a_reviewer_decides_and_the_applicant_sees_why(app: FastAPI, reviewer: TestClient) -> None:
    ctx = app.state.ctx
    apps = _under_review(app, CHEN)
    listed = reviewer.get("/api/console/reviews")
    assert listed.status_code == 200, listed.text
    items = {i["id"]: i for i in listed.json()["items"]}
    assert set(apps) <= set(items) and all(i["status"] == "under_review" for i in items.values())
    item = items[apps[0]]
    assert item["applicant"] == "440309********0023" and item["applicant_name"] in ("陈**", "陈*兰")
    assert CHEN not in listed.text and "陈桂兰" not in listed.text
    assert item["policy_title"] == ctx.policies.get(item["policy_id"]).doc.title

    url = f"/api/console/reviews/{apps[0]}"
    for body in ({"decision": "rejected"}, {"decision": "rejected", "reason": "   "}):
        refused = reviewer.post(url, json=body, headers=CSRF)
        assert refused.status_code == 422 and error_code(refused) == "reason_required", refused.text
        assert "理由" in refused.json()["error"]["message"]
    assert reviewer.post(url, json={"decision": "paid", "reason": "x"}, headers=CSRF).status_code == 422
    reason = "近三个月居住登记信息与申报地址不一致，请更新后重新申请"
    rejected = reviewer.post(url, json={"decision": "rejected", "reason": reason}, headers=CSRF)
    assert rejected.status_code == 200, rejected.text
    assert rejected.json()["status"] == "rejected" and rejected.json()["status_label"] == "未通过"
    # the applicant sees the decision, who made it and the reason: in the history and in a notice
    mine = TestClient(app).get(f"/applications/{apps[0]}", headers=minted(TestClient(app), CHEN)).json()
    assert mine["history"][-1] == {**mine["history"][-1], "status": "rejected", "actor": "staff:reviewer", "note": reason}
    with ctx.db.read() as conn:
        bodies = [r.body for r in conn.execute(t.notifications.select().where(
            t.notifications.c.application_id == apps[0]))]
    assert any(reason in b for b in bodies), bodies
    assert apps[0] not in {i["id"] for i in reviewer.get("/api/console/reviews").json()["items"]}
    again = reviewer.post(url, json={"decision": "approved"}, headers=CSRF)
    assert again.status_code == 409 and error_code(again) == "invalid_transition"
    approved = reviewer.post(f"/api/console/reviews/{apps[1]}", json={"decision": "approved"}, headers=CSRF)
    assert approved.status_code == 200 and approved.json()["status"] == "approved"
    assert approved.json()["history"][-1]["actor"] == "staff:reviewer"
    missing = reviewer.post("/api/console/reviews/SQ20000101NOSUCH0001", json={"decision": "approved"}, headers=CSRF)
    assert missing.status_code == 404 and error_code(missing) == "application_not_found"
