"""The journeys the bot relies on, over HTTP, on the real corpus and the seeded demo data account."""

from __future__ import annotations

import json

from fastapi.testclient import TestClient

from eligibility.profiles.demo import PERSONAS
from tests.eligibility.conftest import service_headers, staff_headers, subject_headers

HIGH_TECH, GRANTEE, NEEDS_INFO, ELDER, GRADUATE = (p.id for p in PERSONAS)


def test_health_and_documents(demo_client: TestClient) -> None:
    health = demo_client.get("/health").json()
    assert health["status"] == "ok" and health["policies"] >= 100
    doc = demo_client.get("/policies/ENT-056").json()
    assert doc["id"] == "ENT-056" and "高新技术企业" in doc["title"] and doc["handling"]["mode"] == "免申即享"
    missing = demo_client.get("/policies/ENT-999")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "policy_not_found"
    assert "未找到" in missing.json()["error"]["message"]
    assert demo_client.get("/docs").status_code == 200
    listed = demo_client.get("/policies", params={"handling": "秒批"}).json()
    assert {"ENT-011", "ENT-012"} <= {p["id"] for p in listed["policies"]}


def test_match_stored_profile_statuses_and_next_question(demo_client: TestClient) -> None:
    anonymous = demo_client.post("/match", json={"profile_id": NEEDS_INFO})
    assert anonymous.status_code == 403 and anonymous.json()["error"]["code"] == "not_bound"
    body = demo_client.post("/match", json={"profile_id": NEEDS_INFO}, headers=subject_headers(demo_client, NEEDS_INFO)).json()
    assert body == demo_client.post("/match", json={"profile_id": "me"}, headers=subject_headers(demo_client, NEEDS_INFO)).json()
    statuses = {r["status"] for r in body["results"]}
    assert statuses <= {"eligible", "not_eligible", "needs_information"}
    assert all(r["audience"] == "enterprise" for r in body["results"])
    q = body["next_question"]
    assert q["question"].startswith("请问") and q["settles_count"] == len(q["policies"]) >= 2
    # the chosen field is missing for every policy it claims to settle, and no other field settles more
    by_id = {r["policy_id"]: r for r in body["results"]}
    for pid in q["policies"]:
        assert by_id[pid]["status"] == "needs_information"
        assert any(q["field"] in u.get("missing", []) for u in by_id[pid]["unknown"])
    counts: dict = {}
    for r in body["results"]:
        if r["status"] != "needs_information":
            continue  # a policy already not met is no candidate: asking about it settles nothing
        for name in {f for u in r["unknown"] for f in u.get("missing", [])}:
            counts[name] = counts.get(name, 0) + 1
    assert q["settles_count"] == max(counts.values())


def test_answering_the_next_question_settles_it(demo_client: TestClient) -> None:
    first = demo_client.post("/match", json={"fields": {"registered_district": "龙华区"}, "audience": "enterprise"}).json()
    field = first["next_question"]["field"]
    example = first["next_question"]["examples"][0] if first["next_question"]["examples"] else 1
    second = demo_client.post("/match", json={"fields": {"registered_district": "龙华区", field: example},
                                              "audience": "enterprise"}).json()
    assert second["next_question"]["field"] != field
    still = [r for r in second["results"] if any(field in u.get("missing", []) for u in r["unknown"])]
    assert not still


def test_high_tech_enterprise_gets_instant_approval_once(demo_client: TestClient) -> None:
    me = subject_headers(demo_client, HIGH_TECH)
    match = demo_client.post("/match", json={"profile_id": HIGH_TECH, "handling": "秒批"}, headers=me).json()
    eligible = [r["policy_id"] for r in match["results"] if r["status"] == "eligible"]
    assert eligible, "the 龙华 high-tech persona must meet a 秒批 policy"
    body = {"profile_id": HIGH_TECH, "policy_id": eligible[0], "idempotency_key": "journey-hightech-1"}
    assert demo_client.post("/applications", json=body).status_code == 401  # the ID number alone is no login
    first = demo_client.post("/applications", json=body, headers=me)
    assert first.status_code == 201, first.json()
    app = first.json()
    assert app["status"] == "approved" and app["instant_approval"] is True
    assert app["rule_trail"]["decision"] == "秒批通过"
    assert all(c["result"] == "met" for c in app["rule_trail"]["conditions"])
    assert all(ch["provenance"] == "verified" for c in app["rule_trail"]["conditions"] for ch in c["checks"]
               if ch["actual"] is not None)
    assert app["form"]["prefilled_from_verified"] > 0 and app["form"]["typed_by_user"] == 0
    assert any(lic["type"] == "营业执照" for lic in app["licences"]["attached"])
    assert [h["status"] for h in app["history"]] == ["submitted", "approved"]
    assert app["history"][0]["actor"].startswith("subject:") and HIGH_TECH in app["history"][0]["actor"]
    assert app["sms_queued"] is True  # "请留意短信通知" is backed by a queued message
    again = demo_client.post("/applications", json=body, headers=me)
    assert again.status_code == 200 and again.json()["id"] == app["id"]
    assert again.headers["Idempotent-Replayed"] == "true"
    other_key = demo_client.post("/applications", json={**body, "idempotency_key": "journey-hightech-2"}, headers=me)
    assert other_key.status_code == 409 and other_key.json()["error"]["code"] == "application_exists"
    reused = demo_client.post("/applications", json={**body, "fields": {"new_hires_count": 3}}, headers=me)
    assert reused.status_code == 409 and reused.json()["error"]["code"] == "idempotency_key_reused"
    listed = demo_client.get(f"/profiles/{HIGH_TECH}/applications", headers=me).json()
    assert [a["id"] for a in listed["applications"]].count(app["id"]) == 1
    assert demo_client.get(f"/applications/{app['id']}", headers=me).json()["id"] == app["id"]
    # only a signed-in reviewer moves an application on; the history names that reviewer, not a typed actor
    declared = {"status": "paid", "note": "已拨付", "actor": "reviewer"}
    assert demo_client.patch(f"/applications/{app['id']}", json=declared).status_code == 401
    assert demo_client.patch(f"/applications/{app['id']}", json=declared, headers=staff_headers(demo_client, "reviewer")
                             ).status_code == 422  # "actor" is no longer a field anyone may set
    mine = demo_client.patch(f"/applications/{app['id']}", json={"status": "paid"}, headers=me)
    assert mine.status_code == 403 and mine.json()["error"]["code"] == "forbidden_role"
    operator = demo_client.patch(f"/applications/{app['id']}", json={"status": "paid"},
                                 headers=staff_headers(demo_client, "operator"))
    assert operator.status_code == 403 and operator.json()["error"]["code"] == "forbidden_role"
    reviewer = staff_headers(demo_client, "reviewer")
    paid = demo_client.patch(f"/applications/{app['id']}", json={"status": "paid", "note": "已拨付"}, headers=reviewer)
    assert paid.status_code == 200 and paid.json()["status"] == "paid"
    assert paid.json()["history"][-1] == {**paid.json()["history"][-1], "status": "paid", "actor": "staff:reviewer",
                                          "note": "已拨付"}
    back = demo_client.patch(f"/applications/{app['id']}", json={"status": "approved"}, headers=reviewer)
    assert back.status_code == 409 and back.json()["error"]["code"] == "invalid_transition"


def test_free_grants_notify_and_pay_once(demo_client: TestClient) -> None:
    from eligibility.services import grants

    ctx = demo_client.app.state.ctx
    first = grants.run(ctx)
    assert first["grants_created"] > 0
    assert grants.run(ctx)["grants_created"] == 0  # idempotent
    for persona in (GRANTEE, ELDER):
        notes = demo_client.get(f"/profiles/{persona}/notifications", headers=subject_headers(demo_client, persona)
                                ).json()["notifications"]
        granted = [n for n in notes if n["grant"]]
        assert granted, f"{persona} should have a 免申即享 notification"
    grant = granted[0]["grant"]
    assert grant["status"] == "notified"
    confirm = {"profile_id": ELDER, "bank": "中国银行", "account_number": "6217 0000 1234 5678", "account_name": "陈桂兰"}
    elder = subject_headers(demo_client, ELDER)
    # knowing the ID number is not enough to redirect someone's money
    assert demo_client.post(f"/grants/{grant['id']}/confirm", json=confirm).status_code == 401
    thief = demo_client.post(f"/grants/{grant['id']}/confirm", json={**confirm, "profile_id": "me"},
                             headers=subject_headers(demo_client, GRANTEE))
    assert thief.status_code == 403 and thief.json()["error"]["code"] == "forbidden"
    done = demo_client.post(f"/grants/{grant['id']}/confirm", json=confirm, headers=elder)
    assert done.status_code == 200 and done.json()["status"] == "paid" and done.json()["account"].endswith("5678")
    assert "6217000012345678" not in done.text
    assert demo_client.post(f"/grants/{grant['id']}/confirm", json=confirm, headers=elder).status_code == 200  # a retry
    changed = demo_client.post(f"/grants/{grant['id']}/confirm", json={**confirm, "account_number": "62170000999988887"},
                               headers=elder)
    assert changed.status_code == 409 and changed.json()["error"]["code"] == "grant_already_confirmed"
    stranger = demo_client.post(f"/grants/{grant['id']}/confirm", json={**confirm, "profile_id": GRANTEE}, headers=elder)
    assert stranger.status_code == 403 and stranger.json()["error"]["code"] == "forbidden"
    notes = demo_client.get(f"/profiles/{ELDER}/notifications", headers=elder).json()["notifications"]
    assert any(n["kind"] == "payment" for n in notes)
    applying = demo_client.post("/applications", json={"profile_id": ELDER, "policy_id": granted[0]["policy_id"]},
                                headers=elder)
    assert applying.status_code == 409 and applying.json()["error"]["code"] == "no_application_needed"


def test_sql_grants_equal_the_python_loop(demo_client: TestClient) -> None:
    import sqlalchemy as sa

    from eligibility.services import grants
    from eligibility.storage import tables as t

    ctx = demo_client.app.state.ctx
    for policy in ctx.policies.by_handling("免申即享"):
        if not policy.conditions:
            continue
        with ctx.db.read() as conn:
            in_sql = set(conn.execute(grants.eligible_sql(policy)).scalars())
        assert in_sql == set(grants.eligible_python(ctx, policy)), policy.id
        with ctx.db.read() as conn:
            granted = set(conn.execute(sa.select(t.grants.c.profile_id).where(t.grants.c.policy_id == policy.id)).scalars())
        assert granted <= in_sql


def test_citizen_ids_are_masked_everywhere(demo_client: TestClient) -> None:
    elder = subject_headers(demo_client, ELDER)
    assert demo_client.get(f"/profiles/{ELDER}").status_code == 401
    profile = demo_client.get(f"/profiles/{ELDER}", headers=elder)
    assert profile.status_code == 200
    assert ELDER not in profile.text and profile.json()["id"] == ELDER[:6] + "********" + ELDER[-4:]
    assert profile.json()["name"].startswith("陈") and "*" in profile.json()["name"]
    assert demo_client.get(f"/profiles/{ELDER}", headers=staff_headers(demo_client, "operator")).text == profile.text
    match = demo_client.post("/match", json={"profile_id": ELDER}, headers=elder)
    assert ELDER not in match.text and match.json()["subject"]["kind"] == "citizen"
    ticket = demo_client.post("/tickets", json={"conversation_id": "c-mask", "transcript": [
        {"role": "user", "text": f"我的身份证是{ELDER}，帮我转人工"}]}, headers=service_headers("c-mask"))
    assert ticket.status_code == 201 and ELDER not in ticket.text
    # the hotline console needs a signed-in operator: not anyone, not a citizen
    assert demo_client.get("/tickets", params={"kind": "handoff"}).status_code == 401
    assert demo_client.get("/tickets", params={"kind": "handoff"}, headers=elder).status_code == 403
    listed = demo_client.get("/tickets", params={"kind": "handoff"}, headers=staff_headers(demo_client, "operator"))
    assert ELDER not in listed.text and "我的身份证是" in listed.text


def test_declared_fields_have_provenance_and_cannot_override_verified(demo_client: TestClient) -> None:
    me = subject_headers(demo_client, NEEDS_INFO)
    r = demo_client.post(f"/profiles/{NEEDS_INFO}/fields", json={
        "fields": {"annual_revenue_wan": "2500", "registered_district": "南山区"}, "conversation_id": "c-1"}, headers=me)
    assert r.status_code == 200
    body = r.json()
    assert body["accepted"] == ["annual_revenue_wan"]
    assert [i["field"] for i in body["ignored"]] == ["registered_district"]
    fields = body["profile"]["fields"]
    assert fields["annual_revenue_wan"] == {**fields["annual_revenue_wan"], "value": 2500, "provenance": "declared"}
    assert fields["registered_district"]["provenance"] == "verified" and fields["registered_district"]["value"] == "龙华区"
    bad = demo_client.post(f"/profiles/{NEEDS_INFO}/fields", json={"fields": {"annual_revenue_wan": "很多"}}, headers=me)
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "invalid_fields"
    assert "应为数字" in bad.json()["error"]["message"]


def test_wrong_check_digit_is_explained(demo_client: TestClient) -> None:
    wrong = HIGH_TECH[:-1] + ("0" if HIGH_TECH[-1] != "0" else "1")
    r = demo_client.get(f"/profiles/{wrong}", headers=staff_headers(demo_client, "operator"))
    assert r.status_code == 422 and r.json()["error"]["code"] == "invalid_uscc_check_digit"
    assert "校验位" in r.json()["error"]["message"]
    r = demo_client.post("/match", json={"profile_id": ELDER[:-1] + ("0" if ELDER[-1] != "0" else "1")},
                         headers=subject_headers(demo_client, ELDER))
    assert r.status_code == 422 and r.json()["error"]["code"] == "invalid_id_check_digit"


def test_ratings_open_callback_tickets_due_in_five_working_days(demo_client: TestClient) -> None:
    assert demo_client.post("/ratings", json={"level": "满意", "conversation_id": "c-2"}).status_code == 401
    good = demo_client.post("/ratings", json={"level": "满意", "conversation_id": "c-2"},
                            headers=service_headers("c-2")).json()
    assert good["ticket_id"] is None
    bad = demo_client.post("/ratings", json={"level": "非常不满意", "reason": "答复太慢", "conversation_id": "c-3"},
                           headers=service_headers("c-3"))
    assert bad.status_code == 201
    # a double click or a client's retry is the same rating: one rating, one callback ticket
    again = demo_client.post("/ratings", json={"level": "非常不满意", "reason": "答复太慢", "conversation_id": "c-3"},
                             headers=service_headers("c-3")).json()
    assert (again["id"], again["ticket_id"]) == (bad.json()["id"], bad.json()["ticket_id"])
    other = demo_client.post("/ratings", json={"level": "满意", "conversation_id": "c-3"},
                             headers=service_headers("c-3")).json()
    assert other["id"] != bad.json()["id"] and other["ticket_id"] is None
    ticket = bad.json()["ticket"]
    assert ticket["status"] == "待回访" and ticket["due_date"] == "2026-12-04"  # Fri 27 Nov + 5 working days
    tid = ticket["id"]
    operator = staff_headers(demo_client, "operator")
    # tickets are the hotline's: no login, a citizen, or another conversation cannot read or move them
    assert demo_client.get(f"/tickets/{tid}").status_code == 401
    assert demo_client.patch(f"/tickets/{tid}", json={"status": "整改中", "note": "x"}).status_code == 401
    for headers in (subject_headers(demo_client, GRADUATE), service_headers("c-2"), service_headers("c-3")):
        assert demo_client.get(f"/tickets/{tid}", headers=headers).status_code == 403
        assert demo_client.patch(f"/tickets/{tid}", json={"status": "整改中", "note": "x"}, headers=headers).status_code == 403
    assert demo_client.patch(f"/tickets/{tid}", json={"note": "x"}, headers=service_headers("c-2")).status_code == 403
    # the conversation that rated may add the user's own words, and nothing else
    added = demo_client.patch(f"/tickets/{tid}", json={"note": "用户补充：等了二十分钟"}, headers=service_headers("c-3"))
    assert added.status_code == 200 and added.json()["status"] == "待回访"
    assert added.json()["history"][-1]["actor"] == "service:actions"
    skip = demo_client.patch(f"/tickets/{tid}", json={"status": "已办结", "note": "x"}, headers=operator)
    assert skip.status_code == 409 and skip.json()["error"]["code"] == "invalid_transition"
    assert demo_client.patch(f"/tickets/{tid}", json={"status": "整改中", "note": "已回访，用户反映等待太久"},
                             headers=operator).status_code == 200
    no_note = demo_client.patch(f"/tickets/{tid}", json={"status": "已办结"}, headers=operator)
    assert no_note.status_code == 422 and no_note.json()["error"]["code"] == "note_required"
    closed = demo_client.patch(f"/tickets/{tid}", json={"status": "已办结", "note": "已优化答复流程"}, headers=operator).json()
    assert closed["status"] == "已办结" and [h["status"] for h in closed["history"]] == ["待回访", "待回访", "整改中", "已办结"]
    assert closed["history"][-1]["actor"] == "staff:operator"
    listed = demo_client.get("/tickets", params={"kind": "callback", "status": "已办结"}, headers=operator).json()
    assert tid in [t["id"] for t in listed["tickets"]]
    # rating an application needs its owner: an unknown id answers like someone else's (nothing to probe)
    unknown_app = demo_client.post("/ratings", json={"level": "满意", "application_id": "SQ000"},
                                   headers=service_headers("c-2"))
    assert unknown_app.status_code == 403
    assert demo_client.post("/ratings", json={"level": "满意", "application_id": "SQ000"},
                            headers=subject_headers(demo_client, HIGH_TECH)).status_code == 403
    own = demo_client.get(f"/profiles/{HIGH_TECH}/applications", headers=subject_headers(demo_client, HIGH_TECH)).json()
    if own["applications"]:
        rated = demo_client.post("/ratings", json={"level": "满意", "application_id": own["applications"][0]["id"]},
                                 headers=subject_headers(demo_client, HIGH_TECH))
        assert rated.status_code == 201, rated.json()


def test_handoff_ticket_carries_the_transcript(demo_client: TestClient) -> None:
    transcript = [{"role": "user", "text": "高企奖励怎么申请"}, {"role": "bot", "text": "您可以……"},
                  {"role": "user", "text": "我要人工"}]
    body = {"conversation_id": "c-9", "transcript": transcript, "contact": "13800138000"}
    assert demo_client.post("/tickets", json=body).status_code == 401
    r = demo_client.post("/tickets", json=body, headers=service_headers("c-9"))
    assert r.status_code == 201
    t = r.json()
    assert t["kind"] == "handoff" and t["status"] == "待处理" and [m["text"] for m in t["transcript"]] == [
        m["text"] for m in transcript]
    assert t["contact"] == "138****8000" and "我要人工" in t["summary"]


def test_calendar_views(demo_client: TestClient) -> None:
    now = demo_client.get("/calendar", params={"open_now": "true"}).json()
    assert all(i["open_now"] for i in now["open"]) and any(i["policy_id"] == "ENT-001" for i in now["open"])
    july = demo_client.get("/calendar", params={"month": "2026-07"}).json()
    assert any(i["policy_id"] == "ENT-056" and i["window"]["start"] == "2026-07-20" for i in july["opening"])
    soon = demo_client.get("/calendar", params={"closing_within_days": 320}).json()
    ends = [i["window"]["end"] for i in soon["closing"]]
    assert ends == sorted(ends) and all(e <= "2027-10-13" for e in ends)
    assert "ENT-001" in [i["policy_id"] for i in soon["closing"]]  # ends 2027-10-07, 314 days away
    sooner = demo_client.get("/calendar", params={"closing_within_days": 300}).json()
    assert "ENT-001" not in [i["policy_id"] for i in sooner["closing"]]
    bad = demo_client.get("/calendar", params={"month": "2026-13"})
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "invalid_month"
    assert demo_client.get("/calendar").status_code == 422


def test_openapi_lists_every_endpoint(demo_client: TestClient) -> None:
    paths = json.loads(demo_client.get("/openapi.json").text)["paths"]
    for p in ("/health", "/policies", "/policies/{policy_id}", "/match", "/profiles/{profile_id}",
              "/profiles/{profile_id}/fields", "/applications", "/applications/{application_id}",
              "/profiles/{profile_id}/applications", "/profiles/{profile_id}/notifications",
              "/grants/{grant_id}/confirm", "/calendar", "/ratings", "/tickets", "/tickets/{ticket_id}",
              "/admin/reload", "/auth/otp", "/auth/otp/verify", "/auth/binding", "/auth/staff/login", "/me/data",
              "/outbox", "/audit"):
        assert p in paths, p
