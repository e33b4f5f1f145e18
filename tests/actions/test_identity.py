"""Identity and trust in the actions, against the real eligibility service on loopback: a typed identifier
only sends a code (and says nothing about whose it is), the code binds the conversation, and only a bound
conversation reads or changes a subject's data (grants, applications, matches, its own data)."""

from __future__ import annotations

import asyncio
from typing import Any, Callable, Dict, List, Tuple

import httpx
import pytest
import sqlalchemy as sa
from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.applications import ActionPrepareApplication, ActionSubmitApplication
from actions.grants import ActionCheckGrants
from actions.identity import (
    ActionConfirmGrant,
    ActionDeleteMyData,
    ActionLogIn,
    ActionLogOut,
    ActionMyData,
    ActionVerifyCode,
)
from actions.matching import ActionShowAllMatches, ValidateMatchingForm
from actions.profile import VERIFY_FIRST, ActionUpdateProfile
from eligibility.profiles.demo import PERSONAS
from eligibility.profiles.ids import uscc_check_char
from eligibility.storage import tables as t
from tests.actions.conftest import (
    Service,
    binding,
    code_sent_after,
    custom,
    followups,
    last_outbox_id,
    outbox,
    said,
    service_headers,
    slots_set,
    tracker,
)

HIGH_TECH, PRECISION, NEW_MATERIALS, CHEN, LI = PERSONAS
Bind = Callable[[str, str], Dict[str, Any]]
CARD = "6222 0212 3456 7890 123"


def run(action: Action, t: Tracker) -> Tuple[CollectingDispatcher, List[Dict[str, Any]]]:
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, t, {}))
    return dispatcher, events


def typed(subject_id: str) -> List[Dict[str, Any]]:
    kind = "id_number" if subject_id[:17].isdigit() else "uscc"
    return [{"entity": kind, "value": subject_id}]


def unknown_uscc(service: Service) -> str:
    """A well-formed USCC (right check character) that no data account holds."""
    first17 = "91440300MA0000001"
    code = first17 + uscc_check_char(first17)
    with service.ctx.db.read() as conn:
        assert conn.execute(sa.select(t.profiles.c.id).where(t.profiles.c.id == code)).first() is None
    return code


def apply_turn(sender: str, subject_id: str) -> Tuple[CollectingDispatcher, List[Dict[str, Any]]]:
    t = tracker(f"我要申报商贸业新纳统奖励，信用代码{subject_id}", intent="apply", slots={"current_policy": "ENT-011"},
                entities=typed(subject_id), sender=sender)
    return run(ActionPrepareApplication(), t)


# ---- a typed identifier sends a code, and nothing else ----------------------------------------------

def test_a_typed_uscc_sends_a_code_and_tells_nothing_about_the_company(eligibility_service: Service) -> None:
    url = eligibility_service.url
    before = last_outbox_id(url)
    known, events = apply_turn("stranger-known", HIGH_TECH.id)
    assert code_sent_after(url, before) is not None  # to the mobile the data account holds, not to this chat
    before = last_outbox_id(url)
    unknown, unknown_events = apply_turn("stranger-unknown", unknown_uscc(eligibility_service))
    assert code_sent_after(url, before) is None  # a decoy challenge: no SMS, same answer

    assert said(known) == said(unknown)  # the neutral sentence: whether the number exists is not said
    assert said(known).startswith("为保护您的信息，需要先验证身份。") and "验证码" in said(known)
    for fact in (HIGH_TECH.name, "华芯", "龙华", "高新技术", "数据账户里已有", "已从数据账户自动填写"):
        assert fact not in said(known)
    assert not custom(known) and not known.messages[0].get("buttons")
    for got in (events, unknown_events):
        assert slots_set(got) == {"awaiting": "otp_code", "resume_action": "action_prepare_application",
                                  "pending_application": "ENT-011"}

    # the code was sent, not entered: the company's data stays closed to this conversation
    for slots in ({"awaiting": "otp_code"}, {"awaiting": "otp_code", "profile_id": HIGH_TECH.id}):
        dispatcher, events = run(ActionCheckGrants(), tracker("我有哪些免申即享", intent="check_grants", slots=slots,
                                                              sender="stranger-known"))
        assert VERIFY_FIRST in said(dispatcher) and "免申即享政策" not in said(dispatcher)
        assert slots_set(events).get("profile_id") is None
    for path in ("/profiles/me", f"/profiles/{HIGH_TECH.id}", "/profiles/me/notifications"):
        r = httpx.get(f"{url}{path}", headers=service_headers("stranger-known"))
        assert r.status_code == 403 and r.json()["error"]["code"] == "not_bound", path
        assert HIGH_TECH.name not in r.text


def test_a_typed_id_number_is_never_repeated_back(eligibility_url: str) -> None:
    t = tracker(f"我的身份证是{CHEN.id}", intent="inform", entities=typed(CHEN.id), sender="stranger-id")
    dispatcher, events = run(ActionUpdateProfile(), t)
    assert CHEN.id not in said(dispatcher) and CHEN.id[-4:] not in said(dispatcher) and "陈" not in said(dispatcher)
    assert slots_set(events) == {"awaiting": "otp_code"}
    assert binding(eligibility_url, "stranger-id")["bound"] is False


# ---- the code turn ----------------------------------------------------------------------------------

def test_the_code_binds_the_conversation_and_resumes_the_application(eligibility_url: str) -> None:
    sender = "code-turn"
    before = last_outbox_id(eligibility_url)
    _, events = apply_turn(sender, LI.id)
    code = code_sent_after(eligibility_url, before)
    assert code is not None
    slots = {"current_policy": "ENT-011", **slots_set(events)}

    wrong = f"{(int(code) + 1) % 10**6:06d}"
    dispatcher, events = run(ActionVerifyCode(), tracker(wrong, intent="inform", slots=slots, sender=sender))
    assert "还可以再试4次" in said(dispatcher)
    assert events == [] and binding(eligibility_url, sender)["bound"] is False
    dispatcher, events = run(ActionVerifyCode(), tracker("随便", intent="inform", slots=slots, sender=sender))
    assert "6位数字验证码" in said(dispatcher) and events == []

    dispatcher, events = run(ActionVerifyCode(), tracker(f"验证码是{code}", intent="inform", slots=slots, sender=sender))
    set_ = slots_set(events)
    assert set_ == {"awaiting": None, "resume_action": None, "profile_id": "430102********0032", "profile_name": "李*涵"}
    assert followups(events) == ["action_prepare_application"]
    assert said(dispatcher).startswith("验证成功，李*涵您好！") and LI.id not in said(dispatcher)
    assert binding(eligibility_url, sender)["subject"]["id"] == "430102********0032"
    # the same code again opens nothing
    dispatcher, _ = run(ActionVerifyCode(), tracker(code, intent="inform", slots={"awaiting": "otp_code"}, sender=sender))
    assert "验证成功" not in said(dispatcher)


def test_the_bound_subject_typed_again_needs_no_code(eligibility_url: str, bind: Bind) -> None:
    sender = "code-again"
    bind(sender, NEW_MATERIALS.id)
    before = last_outbox_id(eligibility_url)
    slots = {"awaiting": "otp_code", "resume_action": "action_check_grants", "profile_id": NEW_MATERIALS.id}
    dispatcher, events = run(ActionVerifyCode(), tracker(NEW_MATERIALS.id, intent="inform", slots=slots,
                                                         entities=typed(NEW_MATERIALS.id), sender=sender))
    assert "无需验证码" in said(dispatcher) and code_sent_after(eligibility_url, before) is None
    assert slots_set(events) == {"awaiting": None, "resume_action": None}
    assert followups(events) == ["action_check_grants"]


def test_a_code_during_the_matching_questions_binds_too(eligibility_url: str) -> None:
    sender = "form-code"
    form = ValidateMatchingForm()
    question = {"field": "employees", "type": "int", "question": "员工多少人？"}
    slots: Dict[str, Any] = {"requested_slot": "pending_answer", "pending_field": question}
    before = last_outbox_id(eligibility_url)
    t = tracker(f"代码是{PRECISION.id}", intent="inform", slots=slots, entities=typed(PRECISION.id), sender=sender)
    dispatcher = CollectingDispatcher()
    extracted = asyncio.run(form.extract_pending_answer(dispatcher, t, {}))
    assert extracted == {"pending_answer": {"identified": {"awaiting": "otp_code"}}}
    assert PRECISION.name not in said(dispatcher)
    validated = asyncio.run(form.validate_pending_answer(extracted["pending_answer"], dispatcher, t, {}))
    assert validated == {"pending_answer": None, "awaiting": "otp_code"}
    code = code_sent_after(eligibility_url, before)
    assert code is not None

    t = tracker(code, intent="inform", slots={**slots, "awaiting": "otp_code"}, sender=sender)
    extracted = asyncio.run(form.extract_pending_answer(CollectingDispatcher(), t, {}))
    validated = asyncio.run(form.validate_pending_answer(extracted["pending_answer"], CollectingDispatcher(), t, {}))
    assert validated == {"pending_answer": None, "awaiting": None, "profile_id": PRECISION.id,
                         "profile_name": PRECISION.name}
    assert binding(eligibility_url, sender)["subject"]["id"] == PRECISION.id


# ---- what a bound conversation can do ---------------------------------------------------------------

def test_a_grant_is_listed_then_paid_to_a_masked_account(eligibility_url: str, bind: Bind) -> None:
    sender = "grant-chen"
    bind(sender, CHEN.id)
    dispatcher, events = run(ActionCheckGrants(), tracker("我有什么补贴可以领", intent="check_grants", sender=sender))
    assert "高龄老人津贴" in said(dispatcher) and "本人银行卡" in said(dispatcher)
    set_ = slots_set(events)
    assert set_["awaiting"] == "grant_account" and set_["profile_id"] == "440309********0023"
    slots = {"awaiting": "grant_account", "profile_id": set_["profile_id"]}

    # an ID number where the account is expected is not taken for one
    dispatcher, events = run(ActionConfirmGrant(), tracker(f"工商银行 {CHEN.id}", intent="inform", slots=slots,
                                                           entities=typed(CHEN.id), sender=sender))
    assert "像是证件号码" in said(dispatcher) and "没有看到卡号" in said(dispatcher) and events == []
    dispatcher, _ = run(ActionConfirmGrant(), tracker(CARD, intent="inform", slots=slots, sender=sender))
    assert "没有看到开户银行" in said(dispatcher)

    before = last_outbox_id(eligibility_url)
    dispatcher, events = run(ActionConfirmGrant(), tracker(f"工商银行 {CARD}", intent="inform", slots=slots,
                                                           sender=sender))
    text = said(dispatcher)
    assert "已发放" in text and "工商银行 ****0123" in text and "高龄老人津贴" in text
    assert CARD not in text and CARD.replace(" ", "") not in text and "6222" not in text
    assert custom(dispatcher)[0]["type"] == "grant" and custom(dispatcher)[0]["status"] == "paid"
    assert slots_set(events) == {"awaiting": None}
    paid = outbox(eligibility_url, "grant", before)
    assert len(paid) == 1 and "已发放至工商银行尾号0123的账户" in paid[0]["body"]
    assert "6222" not in paid[0]["body"] and paid[0]["recipient"].count("*") == 4

    dispatcher, events = run(ActionCheckGrants(), tracker("查看免申即享", intent="check_grants", slots=slots,
                                                          sender=sender))
    assert "已发放" in said(dispatcher) and "awaiting" not in slots_set(events)
    dispatcher, _ = run(ActionConfirmGrant(), tracker(f"工商银行 {CARD}", intent="inform", slots=slots, sender=sender))
    assert "没有待确认收款账户" in said(dispatcher)


def test_an_enterprise_is_asked_for_its_corporate_account(bind: Bind) -> None:
    bind("grant-precision", PRECISION.id)
    dispatcher, events = run(ActionCheckGrants(), tracker("免申即享", intent="check_grants", sender="grant-precision"))
    assert "对公账户" in said(dispatcher) and slots_set(events)["awaiting"] == "grant_account"


def test_a_low_confidence_instant_approval_goes_to_review_with_the_reason(bind: Bind) -> None:
    sender = "apply-li"
    bind(sender, LI.id)
    dispatcher, events = run(ActionPrepareApplication(), tracker("我要申请应届毕业生入户", intent="apply",
                                                                 slots={"current_policy": "CIT-008"}, sender=sender))
    set_ = slots_set(events)
    assert set_["awaiting"] == "apply_confirm" and set_["pending_application"] == "CIT-008"
    assert "李*涵" in said(dispatcher) and "居民身份证" in said(dispatcher) and "李思涵" not in said(dispatcher)
    dispatcher, events = run(ActionSubmitApplication(), tracker("/affirm", intent="affirm",
                                                                slots={"current_policy": "CIT-008", **set_}, sender=sender))
    text = said(dispatcher)
    app = next(c for c in custom(dispatcher) if c.get("type") == "application")
    assert app["status"] == "under_review"
    assert "申报已提交" in text and "政策口径尚待核实" in text and "需人工审核" in text
    assert "秒批通过" not in text and "已秒批" not in text
    assert slots_set(events)["last_application"] == app["id"]


def test_log_out_ends_acting_for_the_subject(eligibility_url: str, bind: Bind) -> None:
    sender = "logout-test"
    bind(sender, PRECISION.id)
    dispatcher, events = run(ActionLogIn(), tracker("登录", intent="log_in", sender=sender))
    assert "您已登录" in said(dispatcher) and PRECISION.name in said(dispatcher) and not custom(dispatcher)

    dispatcher, events = run(ActionLogOut(), tracker("退出登录", intent="log_out", sender=sender,
                                                     slots={"profile_id": PRECISION.id, "awaiting": "grant_account"}))
    assert "已退出登录" in said(dispatcher)
    assert slots_set(events) == {"profile_id": None, "profile_name": None, "pending_application": None,
                                 "awaiting": None, "resume_action": None}
    assert binding(eligibility_url, sender)["bound"] is False
    dispatcher, _ = run(ActionCheckGrants(), tracker("免申即享", intent="check_grants", sender=sender))
    assert VERIFY_FIRST in said(dispatcher) and "对公账户" not in said(dispatcher)
    r = httpx.get(f"{eligibility_url}/profiles/me/notifications", headers=service_headers(sender))
    assert r.status_code == 403
    again, _ = run(ActionLogOut(), tracker("退出", intent="log_out", sender=sender))
    assert "没有登录" in said(again)


def test_log_in_without_an_identifier_gives_a_login_link(eligibility_url: str, oidc_issuer: str) -> None:
    dispatcher, events = run(ActionLogIn(), tracker("登录", intent="log_in", sender="login-link"))
    link = next(c for c in custom(dispatcher) if c.get("type") == "login")
    assert "/auth/login/" in link["url"] and link["url"].startswith(eligibility_url)
    assert link["expires_in"] == 600 and link["url"] in said(dispatcher) and "10分钟内有效" in said(dispatcher)
    # the page the login ends on shows a confirmation code, typed here like a one-time code
    assert slots_set(events) == {"awaiting": "otp_code"}
    r = httpx.get(link["url"], follow_redirects=False)  # the link sends the browser to 统一身份认证
    assert r.status_code == 302 and r.headers["location"].startswith(f"{oidc_issuer}/authorize?")
    assert "code_challenge_method=S256" in r.headers["location"]
    assert binding(eligibility_url, "login-link")["bound"] is False


def test_log_in_with_an_identifier_sends_a_code_instead(eligibility_url: str) -> None:
    before = last_outbox_id(eligibility_url)
    dispatcher, events = run(ActionLogIn(), tracker(f"登录 {NEW_MATERIALS.id}", intent="log_in",
                                                    entities=typed(NEW_MATERIALS.id), sender="login-code"))
    assert code_sent_after(eligibility_url, before) is not None and not custom(dispatcher)
    assert slots_set(events) == {"awaiting": "otp_code"} and NEW_MATERIALS.name not in said(dispatcher)


@pytest.fixture()
def spare_citizen(eligibility_service: Service) -> str:
    """A seeded citizen with a mobile that no other test uses (deleting unbinds every conversation of it)."""
    personas = [p.id for p in PERSONAS]
    with eligibility_service.ctx.db.read() as conn:
        found = conn.execute(sa.select(t.profiles.c.id).where(
            t.profiles.c.kind == "citizen", t.profiles.c.mobile.is_not(None), t.profiles.c.id.not_in(personas))
            .order_by(t.profiles.c.id).limit(1)).scalar()
    assert found
    return str(found)


def test_my_data_then_delete_asks_first_and_logs_out(eligibility_url: str, bind: Bind, spare_citizen: str) -> None:
    sender = "delete-test"
    bind(sender, spare_citizen)
    dispatcher, _ = run(ActionMyData(), tracker("你们存了我哪些信息", intent="my_data", sender=sender))
    data = next(c for c in custom(dispatcher) if c.get("type") == "my_data")["data"]
    assert data["subject"]["id"] == spare_citizen[:6] + "********" + spare_citizen[-4:]
    assert "删除我的个人信息" in said(dispatcher) and spare_citizen not in said(dispatcher)

    dispatcher, events = run(ActionDeleteMyData(), tracker("删除我的个人信息", intent="delete_my_data", sender=sender))
    assert "确认删除吗" in said(dispatcher) and slots_set(events)["awaiting"] == "delete_confirm"
    assert binding(eligibility_url, sender)["bound"] is True  # nothing deleted yet

    slots = {"awaiting": "delete_confirm", "profile_id": data["subject"]["id"], "declared_fields": {"employees": 3}}
    dispatcher, events = run(ActionDeleteMyData(), tracker("确认删除", intent="affirm", slots=slots, sender=sender))
    assert said(dispatcher).startswith("已删除，并已退出登录")
    assert slots_set(events) == {"awaiting": None, "profile_id": None, "profile_name": None,
                                 "declared_fields": None, "pending_application": None}
    assert binding(eligibility_url, sender)["bound"] is False
    dispatcher, _ = run(ActionMyData(), tracker("我的信息", intent="my_data", sender=sender))
    assert VERIFY_FIRST in said(dispatcher) and not custom(dispatcher)


def test_delete_with_an_identifier_while_unbound_keeps_waiting_for_the_code(eligibility_url: str) -> None:
    t = tracker(f"删除我的信息，信用代码{NEW_MATERIALS.id}", intent="delete_my_data", entities=typed(NEW_MATERIALS.id),
                sender="delete-unbound")
    dispatcher, events = run(ActionDeleteMyData(), t)
    assert slots_set(events) == {"awaiting": "otp_code"} and "确认删除" not in said(dispatcher)


def test_show_all_matches_lists_every_eligible_policy(eligibility_url: str, bind: Bind) -> None:
    sender = "all-matches"
    bind(sender, HIGH_TECH.id)
    r = httpx.post(f"{eligibility_url}/match", json={"profile_id": "me"}, headers=service_headers(sender))
    assert r.status_code == 200, r.text
    eligible = [x for x in r.json()["results"] if x["status"] == "eligible"]
    assert eligible
    dispatcher, events = run(ActionShowAllMatches(), tracker("查看全部", intent="show_all_matches",
                                                             slots={"profile_id": HIGH_TECH.id}, sender=sender))
    lines = said(dispatcher).splitlines()
    assert lines[0] == f"您符合条件的政策共 {len(eligible)} 项：" and len(lines) == len(eligible) + 1
    for policy in eligible:
        assert any(line.split(". ", 1)[1].startswith(f"{policy['title']}（") for line in lines[1:]), policy["title"]
    assert events == []
    # the same slot in a conversation that is not bound shows nothing of the company's
    dispatcher, _ = run(ActionShowAllMatches(), tracker("查看全部", intent="show_all_matches",
                                                        slots={"profile_id": HIGH_TECH.id}, sender="all-unbound"))
    assert "符合条件的政策共" not in said(dispatcher) and "身份验证" in said(dispatcher)
