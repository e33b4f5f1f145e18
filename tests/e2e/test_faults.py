"""Faults on the default stack (`make run`, the session's e2e stack), issue 13 point 3: a process killed with
kill -9 or frozen in the middle of a conversation, and messages delivered more than once.

- the action server killed under a running turn (frozen with SIGSTOP, the turn sent, then kill -9) and while it
  is down: the user gets one polite Chinese sentence each time (Rasa alone said nothing: ``[]``), and once it is
  restarted the same conversation goes on: the follow-up is answered from the document the slots remember;
- the eligibility service killed: the turns that need it (matching, applying, 申报进度) say it cannot be reached,
  never ask a bound user to verify again, write nothing; once back, the conversation applies and the database
  holds one complete application and no orphan rows; applications, ratings, tickets and outbox messages written
  before the kill are all read back through the API (the default profile's state on disk);
- the eligibility service frozen past the action server's time-out (it writes the application after the user was
  told it could not be reached): the user's retry names that same application;
- duplicates: the confirmation delivered twice at once over REST (a client retrying after its time-out), the
  action server's POST /applications repeated with the same idempotency key (at once and later), and WeChat
  delivering the confirmation three times with one MsgId: one application each, one set of its rows.

Each test restores what it broke (restart, SIGCONT) before it ends, pass or fail: later tests share the stack.
The production profile's faults (a Rasa server killed, a full restart) are in tests/e2e/test_production.py."""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import sqlite3
import threading
import time
import urllib.request
import uuid
from contextlib import contextmanager
from typing import Any, Dict, Iterator, List

import httpx
import pytest

from actions.clients import eligibility as eligibility_client
from actions.clients.eligibility import UNAVAILABLE
from actions.settings import Settings
from bot.action_failure import APOLOGY
from eligibility.auth.tokens import service_token
from policybot.supervisor import Service, Stack
from tests.bot.channels.fakes import text_xml
from tests.e2e.conftest import api, cited, sms_code, staff_token, text_of
from tests.e2e.test_wechat import msg_id, openid, post, reply_text

pytestmark = pytest.mark.e2e

HUAXIN = "91440309MA5H2KQ3XC"  # 龙华 高新技术企业: eligible on verified data for three policies with an apply button
LATIN = re.compile(r"[a-z]{3,}")  # an English error (Exception, Error, Traceback…) where Chinese is due; ids are upper case


# ---- talking to the stack ---------------------------------------------------------------------------------

class Talk:
    """One REST conversation whose sender id the test knows (to read its tracker)."""

    def __init__(self, stack: Stack, prefix: str = "fault") -> None:
        self.stack, self.sender = stack, f"{prefix}-{uuid.uuid4().hex[:10]}"

    def __call__(self, message: str, timeout: float = 90) -> List[Dict[str, Any]]:
        req = urllib.request.Request(f"{self.stack.url('rasa')}/webhooks/rest/webhook",
                                     data=json.dumps({"sender": self.sender, "message": message}).encode(),
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return list(json.loads(resp.read()))

    def tracker(self) -> Dict[str, Any]:
        return self.tracker_of(self.sender)

    def tracker_of(self, sender: str) -> Dict[str, Any]:
        url = f"{self.stack.url('rasa')}/conversations/{sender}/tracker?token={self.stack.rasa_token}"
        with urllib.request.urlopen(url, timeout=30) as resp:
            found: Dict[str, Any] = json.loads(resp.read())
        return found

    def as_action_server(self, method: str, path: str) -> Any:
        """The eligibility service as the action server calls it for this conversation (``me`` = its subject)."""
        headers = {"Authorization": f"Bearer {service_token(self.stack.service_key)}", "X-Conversation-Id": self.sender}
        resp = httpx.request(method, f"{self.stack.url('eligibility')}{path}", headers=headers, timeout=30)
        resp.raise_for_status()
        return resp.json()


def customs(replies: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
    return [r["custom"] for r in replies if r.get("custom")]


def application_ids(replies: List[Dict[str, Any]]) -> List[str]:
    return [c["id"] for c in customs(replies) if c.get("type") == "application"]


def polite_chinese(replies: List[Dict[str, Any]]) -> str:
    """The turn's text, asserted to be said (not silence) and in Chinese (no English error)."""
    text = text_of(replies)
    assert text.strip(), f"silence: {replies}"
    assert not LATIN.search(text), text
    return text


def database(stack: Stack) -> sqlite3.Connection:
    url = stack.env["ELIGIBILITY_DATABASE_URL"]
    assert url.startswith("sqlite:///"), url
    return sqlite3.connect(f"file:{url[len('sqlite:///'):]}?mode=ro", uri=True, timeout=30)


def rows(stack: Stack, sql: str, *args: Any) -> List[Any]:
    with database(stack) as conn:
        return list(conn.execute(sql, args).fetchall())


def applications_for(stack: Stack, policy_id: str, open_only: bool = True) -> List[str]:
    """华芯's applications for ``policy_id`` (the open ones: at most one, by the database's own key)."""
    where = " AND active_key IS NOT NULL" if open_only else ""
    return [r[0] for r in rows(stack, "SELECT id FROM applications WHERE profile_id = ? AND policy_id = ?" + where
                               + " ORDER BY created_at", HUAXIN, policy_id)]


def closed_first(stack: Stack, policy_id: str) -> List[str]:
    """Close what the session's other journeys left open for 华芯 and ``policy_id`` (a reviewer pays an approved
    application or rejects one under review), so this test's confirmation makes a new one; returns every
    application id there was."""
    close(stack, applications_for(stack, policy_id))
    assert applications_for(stack, policy_id) == []
    return applications_for(stack, policy_id, open_only=False)


def close(stack: Stack, app_ids: List[str]) -> None:
    reviewer = staff_token(stack, "reviewer")
    for app_id in app_ids:
        status = api(stack, "GET", f"/applications/{app_id}", reviewer)["status"]
        change = {"status": "paid"} if status == "approved" else {"status": "rejected", "note": "故障测试后关闭"}
        api(stack, "PATCH", f"/applications/{app_id}", reviewer, change)


def open_applications(stack: Stack) -> List[str]:
    return [r[0] for r in rows(stack, "SELECT id FROM applications WHERE profile_id = ? AND active_key IS NOT NULL",
                               HUAXIN)]


@pytest.fixture(autouse=True)
def no_application_left_open(stack: Stack) -> Iterator[None]:
    """The journeys after this file apply for 华芯 and expect a new application (秒批 said): what a test here
    leaves open is closed afterwards."""
    before = set(open_applications(stack))
    yield
    close(stack, [a for a in open_applications(stack) if a not in before])


def no_orphans(stack: Stack) -> None:
    """Every application has its history, and nothing points at an application that is not there."""
    assert rows(stack, "SELECT id FROM applications a WHERE NOT EXISTS "
                       "(SELECT 1 FROM application_events e WHERE e.application_id = a.id)") == []
    assert rows(stack, "SELECT id FROM application_events WHERE application_id NOT IN (SELECT id FROM applications)") == []
    assert rows(stack, "SELECT id FROM notifications WHERE application_id IS NOT NULL "
                       "AND application_id NOT IN (SELECT id FROM applications)") == []


def written_once(stack: Stack, app_id: str) -> None:
    """One creation's rows for ``app_id``: its two history entries, one notification, one SMS."""
    assert len(rows(stack, "SELECT id FROM application_events WHERE application_id = ?", app_id)) == 2
    assert len(rows(stack, "SELECT id FROM notifications WHERE application_id = ?", app_id)) == 1
    assert len(rows(stack, "SELECT id FROM outbox WHERE purpose = 'application' AND body LIKE ?", f"%{app_id}%")) == 1


def bound_to_huaxin(talk: Talk) -> List[Dict[str, Any]]:
    """Bind the conversation to 华芯 by one-time code; the matches (with their apply buttons) come back."""
    talk("我们公司能申请哪些补贴？")
    talk(f"统一社会信用代码 {HUAXIN}")
    matches = talk(sms_code(talk.stack, HUAXIN))
    assert any(c.get("type") == "matches" for c in customs(matches)), matches
    return matches


def apply_policies(replies: List[Dict[str, Any]]) -> List[str]:
    return [json.loads(b["payload"][len("/apply"):])["policy"] for r in replies for b in r.get("buttons") or []
            if b["payload"].startswith("/apply{")]


# ---- faults -------------------------------------------------------------------------------------------------

def service(stack: Stack, name: str) -> Service:
    return next(s for s in stack.services if s.name == name)


def wait_healthy(svc: Service, timeout: float = 240) -> float:
    started = time.time()
    while not svc.healthy():
        assert svc.process is not None and svc.process.poll() is None, f"{svc.name} died again: see {svc.log}"
        assert time.time() - started < timeout, f"{svc.name} not healthy {timeout:.0f} s after its restart"
        time.sleep(0.2)
    return time.time() - started


@contextmanager
def killed(stack: Stack, name: str) -> Iterator[Service]:
    """kill -9 the service for the block; then restart it as the supervisor does and wait until it is healthy."""
    svc = service(stack, name)
    assert svc.process is not None and svc.process.poll() is None
    svc.process.kill()
    svc.process.wait()
    try:
        yield svc
    finally:
        svc.restart()
        print(f"{name}: healthy {wait_healthy(svc):.1f} s after its restart")


@contextmanager
def frozen(stack: Stack, name: str, resume: bool = True) -> Iterator[Service]:
    """The service stopped (SIGSTOP: connections queue, nothing answers) for the block, then continued (when
    ``resume``; a block that kills it restarts it itself)."""
    svc = service(stack, name)
    assert svc.process is not None
    stopped = svc.process
    os.killpg(stopped.pid, signal.SIGSTOP)
    try:
        yield svc
    finally:
        if stopped.poll() is None:
            os.killpg(stopped.pid, signal.SIGCONT)
        if resume:
            wait_healthy(svc, 60)


# ---- 1. the action server killed mid-conversation --------------------------------------------------------------

def test_action_server_killed_mid_conversation_apologises_then_the_conversation_goes_on(stack: Stack) -> None:
    talk = Talk(stack)
    assert "ENT-056" in cited(talk("高新技术企业认定有什么奖励？"))
    answers: List[List[Dict[str, Any]]] = []
    with frozen(stack, "actions", resume=False) as actions:
        # mid-turn: the follow-up reaches the (stopped) action server, which is then killed under it
        turn = threading.Thread(target=lambda: answers.append(talk("那需要什么材料？")))
        turn.start()
        time.sleep(3)
        assert turn.is_alive()  # waiting for the action
        with killed(stack, "actions"):
            turn.join(60)
            assert polite_chinese(answers[0]) == APOLOGY, answers  # one sentence, not silence (Rasa's own: [])
            # and between turns, while it is down: the same, and the slots are as they were
            assert polite_chinese(talk("那需要什么材料？")) == APOLOGY
            assert talk.tracker()["slots"]["current_policy"] == "ENT-056"
        assert actions.process is not None and actions.process.poll() is None
    # restarted (as the supervisor does): the same conversation, the same document, its citation
    follow = talk("那需要什么材料？")
    assert cited(follow) == ["ENT-056"], follow
    assert "材料" in text_of(follow) or "i龙岗" in text_of(follow)
    said = [e["text"] for e in talk.tracker()["events"] if e.get("event") == "user"]
    assert said == ["高新技术企业认定有什么奖励？"] + ["那需要什么材料？"] * 3


# ---- 2. the eligibility service down, or frozen past the time-out -------------------------------------------

def test_eligibility_service_killed_then_back_one_complete_application_and_nothing_lost(stack: Stack) -> None:
    talk = Talk(stack)
    policy = apply_policies(bound_to_huaxin(talk))[0]
    before = closed_first(stack, policy)
    # state written before the fault: a bad rating with its reason (and its callback ticket), SMS in the outbox
    rated = text_of(talk('/rate_service{"rating": "非常不满意"}'))
    ticket_id = rated.split("工单号")[1].split("，")[0].strip()
    talk("等得太久了")
    ratings = [r["level"] for r in talk.as_action_server("GET", "/me/data")["ratings"]]
    assert "非常不满意" in ratings
    operator = staff_token(stack, "operator")
    outbox = api(stack, "GET", f"/outbox?subject_id={HUAXIN}&limit=500", operator)["messages"]
    assert outbox
    assert "一键申报" in json.dumps(talk(f'/apply{{"policy": "{policy}"}}'), ensure_ascii=False)
    with killed(stack, "eligibility"):
        confirm = talk("/affirm")
        assert polite_chinese(confirm) == UNAVAILABLE and not application_ids(confirm), confirm
        for turn in ("我们公司能申请哪些补贴？", f'/apply{{"policy": "{policy}"}}', "申报进度"):
            said = polite_chinese(talk(turn))
            # the service is unreachable: that is said, and a bound user is not asked to verify again
            assert UNAVAILABLE in said and "本人" not in said and "验证码" not in said, (turn, said)
    assert applications_for(stack, policy, open_only=False) == before  # nothing written, half or whole
    no_orphans(stack)
    # back: the same conversation, still bound, applies once
    prepared = talk(f'/apply{{"policy": "{policy}"}}')
    assert "华芯" in text_of(prepared) and "一键申报" in json.dumps(prepared, ensure_ascii=False), prepared
    applied = application_ids(talk("/affirm"))
    assert len(applied) == 1 and applied[0] not in before
    listed = [a for a in talk.as_action_server("GET", "/profiles/me/applications")["applications"]
              if a["policy_id"] == policy and a["id"] not in before]
    assert [a["id"] for a in listed] == applied and len(listed[0]["history"]) == 2, listed
    assert applications_for(stack, policy) == applied
    written_once(stack, applied[0])
    no_orphans(stack)
    # what was written before the kill is all there: rating, ticket (with the reason), outbox
    assert [r["level"] for r in talk.as_action_server("GET", "/me/data")["ratings"]] == ratings
    ticket = api(stack, "GET", f"/tickets/{ticket_id}", operator)
    assert "非常不满意" in ticket["summary"] and "等得太久了" in json.dumps(ticket, ensure_ascii=False), ticket
    kept = {m["id"]: m["body"] for m in api(stack, "GET", f"/outbox?subject_id={HUAXIN}&limit=500", operator)["messages"]}
    assert all(kept.get(m["id"]) == m["body"] for m in outbox)


def test_eligibility_service_frozen_past_the_time_out_then_the_retry_names_one_application(stack: Stack) -> None:
    talk = Talk(stack)
    policy = apply_policies(bound_to_huaxin(talk))[-1]
    before = closed_first(stack, policy)
    talk(f'/apply{{"policy": "{policy}"}}')
    with frozen(stack, "eligibility"):
        started = time.time()
        late = talk("/affirm")
        waited = time.time() - started
        assert polite_chinese(late) == UNAVAILABLE, late  # the action server's time-out (5 s), said politely
        assert waited < 20, waited
    # continued: the request that timed out may be written now, after the user was told otherwise (once at most)
    time.sleep(2)
    meanwhile = applications_for(stack, policy)
    print(f"eligibility frozen: the user was answered in {waited:.1f} s; the timed-out request "
          f"{'was written after SIGCONT' if meanwhile else 'was not written'}")
    assert len(meanwhile) <= 1 and not set(meanwhile) & set(before)
    no_orphans(stack)
    talk(f'/apply{{"policy": "{policy}"}}')
    retried = application_ids(talk("/affirm"))
    assert len(retried) == 1 and (not meanwhile or retried == meanwhile), (meanwhile, retried)
    assert applications_for(stack, policy) == retried
    assert applications_for(stack, policy, open_only=False) == before + retried
    written_once(stack, retried[0])


# ---- 3. duplicate deliveries ----------------------------------------------------------------------------------

def test_the_confirmation_delivered_twice_at_once_makes_one_application(stack: Stack) -> None:
    """A REST client that timed out sends the confirmation again while the first is still running."""
    talk = Talk(stack)
    policy = apply_policies(bound_to_huaxin(talk))[0]
    before = closed_first(stack, policy)
    talk(f'/apply{{"policy": "{policy}"}}')
    answers: Dict[int, List[Dict[str, Any]]] = {}
    threads = [threading.Thread(target=lambda i=i: answers.__setitem__(i, talk("/affirm"))) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert sorted(answers) == [0, 1], answers
    for replies in answers.values():
        polite_chinese(replies)
    named = [i for replies in answers.values() for i in application_ids(replies)]
    assert len(named) == 1, answers  # one turn submits; the other (run after it: one lock per conversation) does not
    again = application_ids(talk("/affirm"))  # and once more, after both answered
    assert again in ([], named), again
    assert applications_for(stack, policy) == named
    assert applications_for(stack, policy, open_only=False) == before + named
    written_once(stack, named[0])
    no_orphans(stack)


def test_the_action_servers_post_repeated_with_its_idempotency_key_makes_one_application(
        stack: Stack, monkeypatch: pytest.MonkeyPatch) -> None:
    """The action server's own client (actions/clients/eligibility.py) against the running service: the call it
    makes for one confirmation, sent three times at once and once more later (a retry after a lost answer)."""
    talk = Talk(stack)
    policy = apply_policies(bound_to_huaxin(talk))[0]
    before = closed_first(stack, policy)
    profile = talk.tracker()["slots"]["profile_id"]
    key = f"{talk.sender}:{profile}:{policy}"  # what action_submit_application sends for this confirmation
    settings = Settings(eligibility_url=stack.url("eligibility"), service_key=stack.service_key)
    monkeypatch.setattr(eligibility_client, "get_settings", lambda: settings)

    async def at_once() -> List[Dict[str, Any]]:
        return list(await asyncio.gather(*(eligibility_client.create_application(talk.sender, policy, key)
                                           for _ in range(3))))

    answers = asyncio.run(at_once())
    answers.append(asyncio.run(eligibility_client.create_application(talk.sender, policy, key)))
    ids = sorted({answer["id"] for answer in answers})
    assert len(ids) == 1 and ids[0] not in before, answers
    assert applications_for(stack, policy) == ids
    assert applications_for(stack, policy, open_only=False) == before + ids
    written_once(stack, ids[0])
    # the bot's own confirmation in this conversation sends the same key: the same application, replayed
    talk(f'/apply{{"policy": "{policy}"}}')
    assert application_ids(talk("/affirm")) == ids
    assert applications_for(stack, policy, open_only=False) == before + ids
    no_orphans(stack)


def test_wechat_delivering_the_confirmation_three_times_makes_one_application(stack: Stack) -> None:
    user = openid()
    asked = reply_text(post(stack, text_xml(f"统一社会信用代码 {HUAXIN}", msg_id(), openid=user)), user)
    assert "验证码" in asked, asked
    assert "验证成功" in reply_text(post(stack, text_xml(sms_code(stack, HUAXIN), msg_id(), openid=user)), user)
    policy = "ENT-011"  # 秒批 for 华芯 on verified data (eligibility/README.md)
    before = closed_first(stack, policy)
    prepared = reply_text(post(stack, text_xml(f'/apply{{"policy": "{policy}"}}', msg_id(), openid=user)), user)
    assert "1. 一键申报" in prepared, prepared
    confirm = text_xml("1", msg_id(), openid=user)  # one message, one MsgId: WeChat's retries after 5 s
    replies: Dict[int, httpx.Response] = {}
    threads = [threading.Thread(target=lambda i=i: replies.__setitem__(i, post(stack, confirm))) for i in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    texts = {reply_text(r, user) for r in replies.values()}
    assert len(replies) == 3 and len(texts) == 1, texts  # the same answer to every delivery
    text = texts.pop()
    after = applications_for(stack, policy)
    assert len(after) == 1 and after[0] in text and "申请编号" in text, (after, text)
    assert applications_for(stack, policy, open_only=False) == before + after
    events = Talk(stack).tracker_of(f"wx:{user}")["events"]
    # the bot ran once: one confirmation in the conversation ("1" is the first option's payload)
    assert [e["text"] for e in events if e.get("event") == "user"][-1:] == ["/affirm"]
    assert [e["text"] for e in events if e.get("event") == "user"].count("/affirm") == 1
    written_once(stack, after[0])
    no_orphans(stack)
