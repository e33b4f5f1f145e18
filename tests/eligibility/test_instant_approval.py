"""秒批: only a policy whose every condition is certain and met on verified data is approved by the system;
a condition read with ``confidence: low`` always sends the application to a person. Every decision the
assistant announces ("请留意短信通知") is backed by a message queued in the outbox."""

from __future__ import annotations

from pathlib import Path
from typing import Callable, Dict, List

from fastapi.testclient import TestClient

from eligibility.profiles.demo import PERSONAS
from eligibility.profiles.store import derive
from eligibility.rules.evaluate import evaluate_all
from eligibility.services import applications
from eligibility.services.profiles import get_profile
from tests.eligibility.conftest import (
    doc,
    mobile_of,
    staff_headers,
    subject_headers,
    write_corpus,
    write_modes,
)

HIGH_TECH, GRADUATE = PERSONAS[0].id, PERSONAS[4].id
DISTRICT = {"field": "registered_district", "op": "in", "value": ["龙华区"], "text": "在龙华区注册"}
HIGH_TECH_QUALIFIED = {"field": "qualifications", "op": "contains", "value": "国家高新技术企业", "text": "国家高新技术企业"}


def _sms(client: TestClient, subject_id: str, purpose: str = "application") -> List[Dict[str, str]]:
    mobile = mobile_of(client, subject_id)
    assert mobile
    listed = client.get("/outbox", params={"purpose": purpose, "limit": 500}, headers=staff_headers(client, "operator"))
    return [m for m in listed.json()["messages"] if m["recipient"].endswith(mobile[-4:])]


def test_cit_008_with_uncertain_conditions_goes_to_a_person(make_client: Callable[..., TestClient]) -> None:
    client = make_client(demo_enterprises=20, demo_citizens=20)
    ctx = client.app.state.ctx
    policy = ctx.policies.get("CIT-008")
    assert policy is not None and policy.handling == "秒批"
    uncertain = applications.low_confidence(policy)
    assert uncertain, "CIT-008 has conditions read with confidence: low"
    # 李思涵's verified data meets every condition: only the uncertainty keeps the system from approving
    with ctx.db.read() as conn:
        profile = get_profile(conn, GRADUATE, ctx.policies.catalogue)
    assert evaluate_all(policy.conditions, derive(dict(profile.verified), ctx.today())) is True

    me = subject_headers(client, GRADUATE)  # bound through the real OTP flow
    r = client.post("/applications", json={"profile_id": "me", "policy_id": "CIT-008"}, headers=me)
    assert r.status_code == 201, r.text
    app = r.json()
    assert app["status"] == "under_review" and app["instant_approval"] is False
    trail = app["rule_trail"]
    assert trail["decision"] == "转人工审核" and trail["handling"] == "秒批"
    assert "尚待核实" in trail["reason"] and all(text in trail["reason"] for text in uncertain), trail["reason"]
    assert [(h["status"], h["actor"]) for h in app["history"]] == [
        ("submitted", f"subject:{app['profile_id']}"), ("under_review", "system")]
    assert all(h["actor"] != "system:秒批" for h in app["history"])
    # the applicant is told by SMS that it was received, not that it was approved
    [sms] = [m for m in _sms(client, GRADUATE) if app["id"] in m["body"]]
    assert "已受理" in sms["body"] and "秒批通过" not in sms["body"] and app["sms_queued"] is True
    # a reviewer's decision is the approval, and that too is an SMS
    done = client.patch(f"/applications/{app['id']}", json={"status": "approved", "note": "毕业院校与时间已核实"},
                        headers=staff_headers(client, "reviewer"))
    assert done.status_code == 200 and done.json()["status"] == "approved"
    assert done.json()["instant_approval"] is False and done.json()["history"][-1]["actor"] == "staff:reviewer"
    assert any("已审核通过" in m["body"] and app["id"] in m["body"] for m in _sms(client, GRADUATE))


def test_a_low_confidence_condition_is_never_approved_automatically(
        tmp_path: Path, make_client: Callable[..., TestClient]) -> None:
    """Two 秒批 policies with the same conditions, met on verified data; one reads a condition with low
    confidence. The first is approved at once, the second goes to a reviewer, whatever else holds."""
    uncertain = {**HIGH_TECH_QUALIFIED, "confidence": "low", "text": "国家高新技术企业（口径待核实）"}
    corpus = write_corpus(tmp_path / "corpus", [
        doc("ENT-901", [DISTRICT, HIGH_TECH_QUALIFIED], mode="秒批", title="确定条件的秒批政策"),
        doc("ENT-902", [DISTRICT, uncertain], mode="秒批", title="含待核实条件的秒批政策"),
        doc("ENT-903", [{"all": [DISTRICT, {**uncertain, "text": "嵌套的待核实条件"}], "text": "嵌套条件"}],
            mode="秒批", title="嵌套待核实条件"),
    ])
    modes = write_modes(tmp_path / "modes.yaml", [{"id": i, "handling": "秒批", "basis": "demo"}
                                                  for i in ("ENT-901", "ENT-902", "ENT-903")])
    client = make_client(corpus=corpus, modes=modes, demo_enterprises=20, demo_citizens=20)
    me = subject_headers(client, HIGH_TECH)

    certain = client.post("/applications", json={"profile_id": "me", "policy_id": "ENT-901"}, headers=me).json()
    assert certain["status"] == "approved" and certain["instant_approval"] is True, certain
    assert certain["rule_trail"]["decision"] == "秒批通过"
    # "已秒批通过……请留意短信通知": the SMS is queued with the application, in the same transaction
    assert certain["sms_queued"] is True
    [sms] = [m for m in _sms(client, HIGH_TECH) if certain["id"] in m["body"]]
    assert "已秒批通过" in sms["body"] and sms["status"] == "queued" and sms["channel"] == "sms"
    notes = client.get("/profiles/me/notifications", headers=me).json()["notifications"]
    assert any(n["title"].endswith("已秒批通过") for n in notes)

    for policy_id, text in (("ENT-902", "国家高新技术企业（口径待核实）"), ("ENT-903", "嵌套的待核实条件")):
        app = client.post("/applications", json={"profile_id": "me", "policy_id": policy_id}, headers=me).json()
        assert app["status"] == "under_review" and app["instant_approval"] is False, app
        assert app["rule_trail"]["decision"] == "转人工审核" and text in app["rule_trail"]["reason"]
        assert all(c["result"] == "met" for c in app["rule_trail"]["conditions"])  # met, yet not decided by the system
        [sms] = [m for m in _sms(client, HIGH_TECH) if app["id"] in m["body"]]
        assert "已受理" in sms["body"] and "秒批通过" not in sms["body"]
