"""Binding a conversation to a verified subject, on the API: one-time codes end to end (the outbox, wrong
codes, the lock, expiry, the rate limits, unknown numbers), logging out, the audit log (what it records, that
it holds no ID number, that the database refuses to change it), and a person's own data (export, deletion,
retention)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any, Callable, Dict, List

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from eligibility.context import Context
from eligibility.profiles.demo import PERSONAS
from eligibility.services import audit, bindings, personal_data
from eligibility.services.profiles import display_id
from eligibility.storage import tables as t
from privacy.masking import find_personal_data, plausible_id_number
from tests.eligibility.conftest import (
    bind,
    mobile_of,
    otp_messages,
    request_code,
    service_headers,
    staff_headers,
)

HIGH_TECH, GRANTEE, NEEDS_INFO, ELDER, GRADUATE = (p.id for p in PERSONAS)
UNKNOWN = "11010519491231002X"  # a well-formed ID number the data account does not hold
SMALL = dict(demo_enterprises=40, demo_citizens=40)


@pytest.fixture()
def client(make_client: Callable[..., TestClient]) -> TestClient:
    return make_client(**SMALL)


class Clock:
    """Moves the service's clock (``Context.now``) forward; token lifetimes stay on the wall clock."""

    def __init__(self, ctx: Context, monkeypatch: pytest.MonkeyPatch):
        self.offset = dt.timedelta()
        real = Context.now
        monkeypatch.setattr(ctx, "now", lambda: real(ctx) + self.offset)

    def advance(self, **delta: float) -> None:
        self.offset += dt.timedelta(**delta)


def _code(client: TestClient, subject: str, conversation: str) -> str:
    code = request_code(client, subject, conversation)
    assert code is not None and len(code) == 6 and code.isdigit()
    return code


def _verify(client: TestClient, conversation: str, code: str) -> Any:
    return client.post("/auth/otp/verify", json={"code": code}, headers=service_headers(conversation))


def _citizens(client: TestClient, n: int) -> List[str]:
    """Generated citizens of the data account that have a mobile number."""
    with client.app.state.ctx.db.read() as conn:
        return list(conn.execute(sa.select(t.profiles.c.id).where(
            t.profiles.c.kind == "citizen", t.profiles.c.mobile.is_not(None),
            t.profiles.c.id.not_in([p.id for p in PERSONAS])).order_by(t.profiles.c.id).limit(n)).scalars())


# ---- one-time codes ---------------------------------------------------------------------------------

def test_code_to_the_registered_mobile_binds_the_conversation(client: TestClient) -> None:
    conv = service_headers("c-otp")
    assert client.get("/profiles/me", headers=conv).json()["error"]["code"] == "not_bound"
    assert client.get("/auth/binding", headers=conv).json()["bound"] is False
    # only the action server asks for codes; a citizen's token or no token cannot
    assert client.post("/auth/otp", json={"subject_id": ELDER}).status_code == 401
    sent = client.post("/auth/otp", json={"subject_id": ELDER}, headers=conv)
    assert sent.status_code == 202, sent.text
    assert sent.json()["sent"] is True and sent.json()["expires_in"] == 300 and "验证码" in sent.json()["message"]
    assert ELDER not in sent.text
    # the SMS is in the outbox, to the data account's mobile (masked for staff), and only staff see it
    assert client.get("/outbox", params={"purpose": "otp"}).status_code == 401
    assert client.get("/outbox", params={"purpose": "otp"}, headers=conv).status_code == 403
    [message] = otp_messages(client, ELDER)
    mobile = mobile_of(client, ELDER)
    assert mobile and mobile not in json.dumps(message, ensure_ascii=False) and message["recipient"].endswith(mobile[-4:])
    assert message["status"] == "queued" and message["channel"] == "sms" and "分钟内有效" in message["body"]
    code = message["body"].split("验证码为")[1][:6]
    done = _verify(client, "c-otp", code)
    assert done.status_code == 200, done.text
    body = done.json()
    assert body["bound"] is True and body["method"] == "otp" and body["subject"]["id"] == display_id(ELDER)
    assert body["subject"]["name"] == "陈*兰" and body["token_type"] == "Bearer" and body["expires_in"] == 1800
    # the conversation now acts for 陈桂兰, and the token it got back is hers
    via_conversation = client.get("/profiles/me", headers=conv)
    assert via_conversation.status_code == 200 and via_conversation.json()["id"] == display_id(ELDER)
    token = {"Authorization": f"Bearer {body['access_token']}"}
    assert client.get("/profiles/me", headers=token).json() == via_conversation.json()
    assert client.get(f"/profiles/{ELDER}", headers=token).status_code == 200
    assert client.get(f"/profiles/{GRADUATE}", headers=token).status_code == 403
    binding = client.get("/auth/binding", headers=conv).json()
    assert binding["bound"] is True and binding["subject"]["id"] == display_id(ELDER)
    # a code is used once
    again = _verify(client, "c-otp", code)
    assert again.status_code == 400 and again.json()["error"]["code"] == "otp_not_requested"


def test_wrong_codes_count_down_then_lock(client: TestClient) -> None:
    code = _code(client, ELDER, "c-wrong")
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    for left in (4, 3, 2, 1):
        r = _verify(client, "c-wrong", wrong)
        assert r.status_code == 400, r.text
        assert r.json()["error"]["code"] == "otp_invalid" and r.json()["error"]["tries_left"] == left
        assert f"再试{left}次" in r.json()["error"]["message"]
    fifth = _verify(client, "c-wrong", wrong)
    assert fifth.status_code == 429 and fifth.json()["error"]["code"] == "otp_locked"
    # once locked, the right code does not open it either
    locked = _verify(client, "c-wrong", code)
    assert locked.status_code == 429 and locked.json()["error"]["code"] == "otp_locked"
    assert client.get("/profiles/me", headers=service_headers("c-wrong")).status_code == 403
    for bad in ("12345", "abcdef", "１２３４５６"):  # malformed codes count as wrong ones, never a 500
        assert _verify(client, "c-wrong", bad).status_code in (400, 429)


def test_codes_expire(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    clock = Clock(client.app.state.ctx, monkeypatch)
    code = _code(client, ELDER, "c-late")
    clock.advance(minutes=5, seconds=1)
    late = _verify(client, "c-late", code)
    assert late.status_code == 410 and late.json()["error"]["code"] == "otp_expired"
    assert client.get("/auth/binding", headers=service_headers("c-late")).json()["bound"] is False
    # a fresh code works again
    fresh = _code(client, ELDER, "c-late")
    assert _verify(client, "c-late", fresh).status_code == 200


def test_resend_and_hourly_limits(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    clock = Clock(client.app.state.ctx, monkeypatch)
    send = lambda subject, conv: client.post("/auth/otp", json={"subject_id": subject},  # noqa: E731
                                             headers=service_headers(conv))
    assert send(ELDER, "c-rate-1").status_code == 202
    clock.advance(seconds=20)
    soon = send(ELDER, "c-rate-2")  # the same number, even from another conversation
    assert soon.status_code == 429 and soon.json()["error"]["code"] == "rate_limited"
    assert 1 <= int(soon.headers["retry-after"]) <= 41 and soon.json()["error"]["retry_after"] == int(soon.headers["retry-after"])
    # five codes an hour to one number, whichever conversations ask
    for i in range(4):
        clock.advance(seconds=61)
        assert send(ELDER, f"c-rate-{i + 3}").status_code == 202
    clock.advance(seconds=61)
    sixth = send(ELDER, "c-rate-9")
    assert sixth.status_code == 429 and sixth.headers["retry-after"] == "3600"
    assert len(otp_messages(client, ELDER)) == 5
    clock.advance(hours=1, seconds=1)
    assert send(ELDER, "c-rate-10").status_code == 202
    # five codes an hour from one conversation, whichever numbers it asks for
    people = _citizens(client, 6)
    for person in people[:5]:
        assert send(person, "c-one-conversation").status_code == 202
    busy = send(people[5], "c-one-conversation")
    assert busy.status_code == 429 and busy.json()["error"]["code"] == "rate_limited"
    assert otp_messages(client, people[5]) == []


def test_unknown_numbers_get_the_same_answer_and_no_message(client: TestClient) -> None:
    with client.app.state.ctx.db.read() as conn:
        assert conn.execute(sa.select(t.profiles.c.id).where(t.profiles.c.id == UNKNOWN)).first() is None
    before = client.get("/outbox", headers=staff_headers(client, "operator")).json()["count"]
    known = client.post("/auth/otp", json={"subject_id": ELDER}, headers=service_headers("c-known"))
    unknown = client.post("/auth/otp", json={"subject_id": UNKNOWN}, headers=service_headers("c-unknown"))
    assert (known.status_code, known.content) == (unknown.status_code, unknown.content) == (202, known.content)
    assert {k: v for k, v in known.headers.items() if k != "date"} == {k: v for k, v in unknown.headers.items()
                                                                      if k != "date"}
    assert client.get("/outbox", headers=staff_headers(client, "operator")).json()["count"] == before + 1
    # no code opens the decoy challenge; it locks like a real one
    for code in ("000000", "123456", "999999", "654321"):
        r = _verify(client, "c-unknown", code)
        assert r.status_code == 400 and r.json()["error"]["code"] == "otp_invalid"
    assert _verify(client, "c-unknown", "111111").json()["error"]["code"] == "otp_locked"
    assert client.get("/auth/binding", headers=service_headers("c-unknown")).json()["bound"] is False
    # a malformed number is the user's typo, said as such
    typo = client.post("/auth/otp", json={"subject_id": UNKNOWN[:-1] + "1"}, headers=service_headers("c-typo"))
    assert typo.status_code == 422 and typo.json()["error"]["code"] == "invalid_id_check_digit"


def test_a_new_code_supersedes_the_old_one(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    clock = Clock(client.app.state.ctx, monkeypatch)
    first = _code(client, ELDER, "c-twice")
    clock.advance(seconds=61)
    second = _code(client, GRADUATE, "c-twice")  # the user corrected the number
    if first != second:
        assert _verify(client, "c-twice", first).json()["error"]["code"] == "otp_invalid"
    done = _verify(client, "c-twice", second)
    assert done.status_code == 200 and done.json()["subject"]["id"] == display_id(GRADUATE)


# ---- logging out ----------------------------------------------------------------------------------------

def test_unbinding_stops_the_conversation_from_acting(client: TestClient) -> None:
    done = bind(client, GRADUATE, "c-out")
    conv = service_headers("c-out")
    token = {"Authorization": f"Bearer {done['access_token']}"}
    assert client.get("/profiles/me", headers=conv).status_code == 200
    sub = client.post("/subscriptions", json={"conversation_id": "c-out", "topic": "all"}, headers=token)
    assert sub.status_code == 201
    out = client.delete("/auth/binding", headers=conv)
    assert out.status_code == 200 and out.json()["bound"] is False and out.json()["unbound"] is True
    assert client.delete("/auth/binding", headers=conv).json()["unbound"] is False  # idempotent
    for method, url, body in (("GET", "/profiles/me", None), ("GET", f"/profiles/{GRADUATE}", None),
                              ("GET", "/profiles/me/applications", None), ("POST", "/match", {"profile_id": "me"}),
                              ("GET", "/me/data", None), ("POST", "/applications", {"profile_id": "me", "policy_id": "CIT-008"})):
        r = client.request(method, url, headers=conv, json=body)
        assert r.status_code == 403 and r.json()["error"]["code"] == "not_bound", (url, r.text)
    assert client.get("/auth/binding", headers=conv).json()["bound"] is False
    # the token issued in that conversation keeps its holder's own data, but no longer speaks for the conversation
    assert client.get("/profiles/me", headers=token).json()["id"] == display_id(GRADUATE)
    assert client.get("/subscriptions", params={"conversation_id": "c-out"}, headers=token).status_code == 403
    assert client.delete(f"/subscriptions/{sub.json()['id']}", headers=token).status_code == 204  # its own, by subject
    # a staff token has no conversation to log out of
    assert client.delete("/auth/binding", headers=staff_headers(client, "operator")).status_code == 400


def test_a_binding_lapses_when_unused(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    clock = Clock(client.app.state.ctx, monkeypatch)
    bind(client, ELDER, "c-idle")
    conv = service_headers("c-idle")
    clock.advance(minutes=90)
    assert client.get("/profiles/me", headers=conv).status_code == 200  # used: the idle time starts again
    clock.advance(minutes=119)
    assert client.get("/profiles/me", headers=conv).status_code == 200
    clock.advance(minutes=121)
    assert client.get("/profiles/me", headers=conv).json()["error"]["code"] == "not_bound"


# ---- the audit log ----------------------------------------------------------------------------------

def _audit(client: TestClient, action: str) -> List[Dict[str, Any]]:
    r = client.get("/audit", params={"action": action}, headers=staff_headers(client, "admin"))
    assert r.status_code == 200, r.text
    return r.json()["entries"]


def _raw_ids(text: str) -> List[str]:
    return [text[s:e] for kind, s, e in find_personal_data(text) if kind == "id_number" and plausible_id_number(text[s:e])]


def test_the_audit_log_records_who_changed_what(client: TestClient) -> None:
    bind(client, GRADUATE, "c-audit")
    conv = service_headers("c-audit")
    created = _audit(client, "binding.create")[0]
    assert created["actor"] == f"otp:{display_id(GRADUATE)}" and created["target_id"] == "c-audit"
    assert created["before"] is None and created["after"] == {"subject": display_id(GRADUATE), "method": "otp",
                                                               "channel": "rest"}
    app = client.post("/applications", json={"profile_id": "me", "policy_id": "CIT-008"}, headers=conv)
    assert app.status_code == 201, app.text
    made = _audit(client, "application.create")[0]
    assert made["actor"] == f"service:actions/{display_id(GRADUATE)}" and made["target_id"] == app.json()["id"]
    assert made["after"]["policy_id"] == "CIT-008" and made["after"]["status"] == "under_review"
    reviewer = staff_headers(client, "reviewer")
    approved = client.patch(f"/applications/{app.json()['id']}", json={"status": "approved", "note": "核实无误"},
                            headers=reviewer)
    assert approved.status_code == 200, approved.text
    moved = _audit(client, "application.status")[0]
    assert moved["actor"] == "staff:reviewer" and moved["target_id"] == app.json()["id"]
    assert moved["before"] == {"status": "under_review"} and moved["after"] == {"status": "approved"}
    assert moved["reason"] == "核实无误"
    # the reviewer's approval is also a message to the applicant's mobile
    sms = client.get("/outbox", params={"purpose": "application"}, headers=staff_headers(client, "operator")).json()
    assert any(app.json()["id"] in m["body"] and "已审核通过" in m["body"] for m in sms["messages"])
    client.delete("/auth/binding", headers=conv)
    revoked = _audit(client, "binding.revoke")[0]
    assert revoked["actor"] == f"service:actions/{display_id(GRADUATE)}" and revoked["target_id"] == "c-audit"
    assert revoked["before"] == {"subject": display_id(GRADUATE)} and revoked["after"] is None
    # staff reads of personal data are recorded too
    client.get(f"/profiles/{GRADUATE}", headers=staff_headers(client, "operator"))
    read = _audit(client, "personal_data.read")[0]
    assert read["actor"] == "staff:operator" and read["target_id"] == display_id(GRADUATE)
    # no ID number in what the log stores (the subject is a keyed hash) nor in what it shows
    with client.app.state.ctx.db.read() as conn:
        rows = conn.execute(sa.select(t.audit_log)).mappings().all()
    assert rows and any(row["subject_key"] for row in rows)
    for row in rows:
        stored = json.dumps(dict(row), ensure_ascii=False, default=str)
        assert not _raw_ids(stored) and GRADUATE not in stored, stored
    shown = client.get("/audit", params={"limit": 1000}, headers=staff_headers(client, "admin")).text
    assert not _raw_ids(shown) and GRADUATE not in shown


def _assert_append_only(ctx: Context) -> None:
    with ctx.db.write() as conn:
        audit.record(conn, ctx, "system", "test.entry", "test", "x", after={"n": 1})
    with ctx.db.read() as conn:
        count = conn.execute(sa.select(sa.func.count()).select_from(t.audit_log)).scalar()
    for statement in (t.audit_log.update().values(actor="someone else"), t.audit_log.delete(),
                      t.audit_log.delete().where(t.audit_log.c.action == "test.entry")):
        with pytest.raises(sa.exc.DBAPIError, match="append-only"), ctx.db.write() as conn:
            conn.execute(statement)
    with ctx.db.read() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(t.audit_log)).scalar() == count
        assert conn.execute(sa.select(t.audit_log.c.actor).where(t.audit_log.c.action == "test.entry")).scalar() == "system"
    with ctx.db.write() as conn:  # appending still works
        audit.record(conn, ctx, "system", "test.entry", "test", "y")


def test_the_audit_log_is_append_only_sqlite(make_client: Callable[..., TestClient]) -> None:
    _assert_append_only(make_client(seed_demo=False).app.state.ctx)


@pytest.mark.postgres
def test_the_audit_log_is_append_only_postgres(make_client: Callable[..., TestClient], fresh_pg: str) -> None:
    _assert_append_only(make_client(url=fresh_pg, seed_demo=False).app.state.ctx)


# ---- a person's own data --------------------------------------------------------------------------------

def _ticket(client: TestClient, conversation: str, text: str) -> Dict[str, Any]:
    r = client.post("/tickets", json={"conversation_id": conversation, "contact": "13912345678",
                                      "transcript": [{"role": "user", "text": text}]},
                    headers=service_headers(conversation))
    assert r.status_code == 201, r.text
    return r.json()


def test_my_data_is_exported_and_deleted_except_the_records_kept_by_law(client: TestClient) -> None:
    done = bind(client, NEEDS_INFO, "c-mine")
    conv = service_headers("c-mine")
    app = client.post("/applications", json={"profile_id": "me", "policy_id": "ENT-088"}, headers=conv)
    assert app.status_code == 201, app.text
    declared = client.post("/profiles/me/fields", json={"fields": {"annual_revenue_wan": 900}}, headers=conv)
    assert declared.json()["accepted"] == ["annual_revenue_wan"]
    sub = client.post("/subscriptions", json={"conversation_id": "c-mine", "topic": "人才"}, headers=conv).json()
    ticket = _ticket(client, "c-mine", "请人工帮我看看")
    rating = client.post("/ratings", json={"level": "不满意", "reason": "太慢了", "conversation_id": "c-mine"},
                         headers=conv)
    assert rating.status_code == 201
    # only the subject itself (its conversation or its token) exports, never staff or anonymous
    assert client.get("/me/data").status_code == 401
    assert client.get("/me/data", headers=staff_headers(client, "admin")).status_code == 403
    mine = client.get("/me/data", headers=conv)
    assert mine.status_code == 200, mine.text
    data = mine.json()
    via_token = client.get("/me/data", headers={"Authorization": f"Bearer {done['access_token']}"}).json()
    # the same data through the subject's token; only the access log differs (each export is audited)
    assert {k: v for k, v in via_token.items() if k != "access_log"} == {k: v for k, v in data.items() if k != "access_log"}
    assert via_token["access_log"][0]["action"] == "personal_data.export"
    assert data["subject"]["id"] == NEEDS_INFO and data["subject"]["mobile"].endswith(mobile_of(client, NEEDS_INFO)[-4:])
    assert data["data_account"]["annual_revenue_wan"]["provenance"] == "declared"
    assert [a["id"] for a in data["applications"]] == [app.json()["id"]]
    assert [s["id"] for s in data["subscriptions"]] == [sub["id"]]
    assert {t_["id"] for t_ in data["tickets"]} == {ticket["id"], rating.json()["ticket_id"]}
    assert [r["level"] for r in data["ratings"]] == ["不满意"]
    assert data["logins"][0]["method"] == "otp" and data["logins"][0]["ended_at"] is None
    assert {e["action"] for e in data["access_log"]} >= {"binding.create", "profile.declare", "application.create"}
    assert data["retention"]["transcripts_days"] == 180

    gone = client.delete("/me/data", headers=conv)
    assert gone.status_code == 200, gone.text
    deleted, kept = gone.json()["deleted"], gone.json()["kept"]
    assert deleted["declared_fields"] == 1 and deleted["subscriptions"] == 1 and deleted["ticket_transcripts"] == 2
    assert deleted["rating_remarks"] == 1 and deleted["logins"] == 1
    assert kept == {"applications": 1, "grants": 0} and "依法需要保存" in gone.json()["kept_reason"]
    # the conversation was logged out with it; what is left is what the law keeps
    assert client.get("/me/data", headers=conv).json()["error"]["code"] == "not_bound"
    after = client.get("/me/data", headers={"Authorization": f"Bearer {done['access_token']}"}).json()
    assert after["subscriptions"] == [] and after["ratings"] == [{"level": "不满意", "created_at": data["ratings"][0]["created_at"]}]
    assert "annual_revenue_wan" not in after["data_account"]
    assert [a["id"] for a in after["applications"]] == [app.json()["id"]]
    operator = staff_headers(client, "operator")
    for tid in (ticket["id"], rating.json()["ticket_id"]):
        view = client.get(f"/tickets/{tid}", headers=operator).json()
        words = json.dumps(view, ensure_ascii=False)
        assert view["transcript"] == [] and view["contact"] is None and "请人工帮我看看" not in words
        assert "太慢了" not in words  # the rating's remark, copied into its callback ticket, goes too
    assert client.get(f"/applications/{app.json()['id']}", headers=operator).json()["status"] == "under_review"
    entry = _audit(client, "personal_data.delete")[0]
    assert entry["after"]["kept"] == kept and entry["target_id"] == NEEDS_INFO
    # deleting again is harmless
    again = client.delete("/me/data", headers={"Authorization": f"Bearer {done['access_token']}"})
    assert again.status_code == 200 and not any(again.json()["deleted"].values())


def test_a_shared_conversation_keeps_each_persons_data_apart(client: TestClient) -> None:
    """One device, two people: what the first did in the conversation is not the second's to see or delete."""
    bind(client, GRADUATE, "c-shared")
    conv = service_headers("c-shared")
    hers = _ticket(client, "c-shared", "李思涵的问题")
    sub = client.post("/subscriptions", json={"conversation_id": "c-shared", "topic": "教育"}, headers=conv).json()
    client.delete("/auth/binding", headers=conv)
    bind(client, ELDER, "c-shared")
    export = client.get("/me/data", headers=conv).json()
    assert hers["id"] not in {t_["id"] for t_ in export["tickets"]}
    assert sub["id"] not in {s["id"] for s in export["subscriptions"]}
    client.delete("/me/data", headers=conv)
    view = client.get(f"/tickets/{hers['id']}", headers=staff_headers(client, "operator")).json()
    assert [m["text"] for m in view["transcript"]] == ["李思涵的问题"]
    with client.app.state.ctx.db.read() as conn:
        assert conn.execute(sa.select(t.subscriptions.c.id).where(t.subscriptions.c.id == sub["id"])).scalar() == sub["id"]


def test_retention_purges_old_transcripts(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    ctx = client.app.state.ctx
    clock = Clock(ctx, monkeypatch)
    old = _ticket(client, "c-old", "很久以前的对话")
    code_sent = request_code(client, ELDER, "c-old")
    assert code_sent
    clock.advance(days=100)
    recent = _ticket(client, "c-recent", "最近的对话")
    clock.advance(days=81)  # the old ticket is 181 days old, the recent one 81
    purged = personal_data.purge(ctx)
    assert purged["ticket_transcripts"] == 1 and purged["one_time_codes"] >= 1 and purged["code_messages"] >= 1
    operator = staff_headers(client, "operator")
    gone = client.get(f"/tickets/{old['id']}", headers=operator).json()
    assert gone["transcript"] == [] and gone["contact"] is None
    assert gone["status"] == old["status"] and gone["summary"]  # the ticket itself stays
    kept = client.get(f"/tickets/{recent['id']}", headers=operator).json()
    assert [m["text"] for m in kept["transcript"]] == ["最近的对话"] and kept["contact"]
    assert all(code_sent not in m["body"] for m in otp_messages(client, ELDER))
    assert personal_data.purge(ctx) == {k: 0 for k in purged}  # nothing left to purge
    entry = _audit(client, "retention.purge")[0]
    assert entry["actor"] == "system" and entry["after"]["ticket_transcripts"] == 1


def test_the_binding_describes_the_subject_once_verified(client: TestClient) -> None:
    """The binding describes the subject only once verified (masked), and an unbound one says nothing."""
    ctx = client.app.state.ctx
    assert bindings.current(ctx, "c-nobody") == {"bound": False}
    bind(client, HIGH_TECH, "c-company")
    described = bindings.current(ctx, "c-company")
    assert described["subject"] == {"id": HIGH_TECH, "kind": "enterprise", "name": "深圳市华芯智云科技有限公司",
                                    "in_data_account": True}


def test_leaving_the_channel_forgets_what_an_unbound_conversation_left(client: TestClient) -> None:
    """WeChat unsubscribe: subscriptions, transcripts and remarks of a conversation nobody was bound to are
    removed; a verified subject's records stay (they go through DELETE /me/data)."""
    anonymous, verified = "wx:anon", "wx:verified"
    for conversation in (anonymous, verified):
        assert client.post("/subscriptions", json={"conversation_id": conversation, "topic": "人才"},
                           headers=service_headers(conversation)).status_code == 201
    bind(client, GRADUATE, verified)
    client.post("/subscriptions", json={"conversation_id": verified, "topic": "all"}, headers=service_headers(verified))
    ticket = _ticket(client, anonymous, "我电话13812345678，想问人才补贴")
    forgotten = client.delete("/auth/conversation", headers=service_headers(anonymous))
    assert forgotten.status_code == 200, forgotten.text
    assert forgotten.json()["deleted"]["subscriptions"] == 1 and forgotten.json()["deleted"]["ticket_transcripts"] == 1
    with client.app.state.ctx.db.read() as conn:
        left = conn.execute(sa.select(t.subscriptions.c.conversation_id, t.subscriptions.c.profile_id)).all()
        row = conn.execute(sa.select(t.tickets).where(t.tickets.c.id == ticket["id"])).mappings().one()
    assert all(c != anonymous for c, _ in left) and any(p == GRADUATE for _, p in left)
    assert row["transcript_json"] == "[]" and row["contact"] is None and "人才补贴" not in row["summary"]
    # only the action server, for its own conversation
    assert client.delete("/auth/conversation").status_code == 401
