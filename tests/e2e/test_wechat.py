"""The WeChat Official Account channel on the running stack (Rasa's port, /webhooks/wechat/webhook): signed
messages as WeChat sends them get the bot's cited answer as a passive XML reply; WeChat's retries run the
bot once; safe mode; a WeChat user binds with a one-time code and unsubscribing removes the binding and the
conversation."""

from __future__ import annotations

import json
import random
import urllib.request
from typing import Any, Dict, Optional

import httpx
import pytest
import xmltodict

from bot.channels.wechat_config import WeChatSettings
from bot.channels.wechat_protocol import Envelope
from eligibility.auth.tokens import service_token
from policybot.supervisor import Stack
from tests.bot.channels.fakes import encrypted, event_xml, sha1_sorted, signed, text_xml
from tests.e2e.conftest import Chat, sms_code, text_of

pytestmark = pytest.mark.e2e

QUESTION = "高新技术企业认定有什么奖励？"
CHEN = "440309194803150023"  # 陈桂兰, in the data account with a mobile


def settings(stack: Stack) -> WeChatSettings:
    return WeChatSettings(token=stack.env["WECHAT_TOKEN"], appid=stack.env["WECHAT_APPID"],
                          secret=stack.env["WECHAT_SECRET"], aes_key=stack.env["WECHAT_AES_KEY"])


def openid() -> str:
    return "oE2E" + "".join(random.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(24))


def msg_id() -> int:
    return random.randint(10**15, 10**16)


def post(stack: Stack, xml: str, safe: bool = False) -> httpx.Response:
    s = settings(stack)
    query = signed(s.token)
    body = xml
    if safe:
        body, query = encrypted(s, xml, query)
    return httpx.post(f"{stack.url('rasa')}/webhooks/wechat/webhook", params=query, content=body.encode(), timeout=30)


def reply_text(resp: httpx.Response, user: str) -> str:
    assert resp.status_code == 200, resp.text
    xml = xmltodict.parse(resp.text)["xml"]
    assert xml["MsgType"] == "text" and xml["ToUserName"] == user
    return str(xml["Content"])


def tracker(stack: Stack, sender: str) -> Dict[str, Any]:
    with urllib.request.urlopen(f"{stack.url('rasa')}/conversations/{sender}/tracker?token={stack.rasa_token}",
                                timeout=30) as resp:
        data: Dict[str, Any] = json.loads(resp.read())
    return data


def binding(stack: Stack, sender: str) -> Optional[bool]:
    headers = {"Authorization": f"Bearer {service_token(stack.service_key)}", "X-Conversation-Id": sender}
    resp = httpx.get(f"{stack.url('eligibility')}/auth/binding", headers=headers, timeout=30)
    resp.raise_for_status()
    return bool(resp.json()["bound"])


def test_a_question_gets_the_cited_answer_passively_and_retries_run_once(stack: Stack, chat: Chat) -> None:
    user, mid = openid(), msg_id()
    xml = text_xml(QUESTION, mid, openid=user)
    first = post(stack, xml)
    answer = reply_text(first, user)
    assert "10万元" in answer and "依据：《" in answer, answer
    assert "回复序号即可选择" in answer and "1. " in answer  # the follow-up buttons as numbered options
    rest = text_of(chat(QUESTION))  # the same answer the REST channel gives
    assert rest.split("\n依据：")[0] in answer
    # WeChat's two retries of the same MsgId: the same reply, the bot not run again
    again = [post(stack, xml) for _ in range(2)]
    assert [r.text for r in again] == [first.text, first.text]
    events = tracker(stack, f"wx:{user}")["events"]
    said = [e for e in events if e["event"] == "user"]
    assert [e["text"] for e in said] == [QUESTION]
    assert said[0]["input_channel"] == "wechat"
    # "1" does what the first button does (需要什么材料): a follow-up about the same policy
    follow = reply_text(post(stack, text_xml("1", msg_id(), openid=user)), user)
    assert "材料" in follow or "i龙岗" in follow, follow


def test_safe_mode_and_a_forged_signature(stack: Stack) -> None:
    user = openid()
    resp = post(stack, text_xml(QUESTION, msg_id(), openid=user), safe=True)
    assert resp.status_code == 200
    sealed = xmltodict.parse(resp.text)["xml"]
    s = settings(stack)
    assert sealed["MsgSignature"] == sha1_sorted(s.token, sealed["TimeStamp"], sealed["Nonce"], sealed["Encrypt"])
    assert s.aes_key
    plain = Envelope(s.token, s.aes_key, s.appid).open(f"<xml><Encrypt><![CDATA[{sealed['Encrypt']}]]></Encrypt></xml>",
                                                      sealed["MsgSignature"], sealed["TimeStamp"], sealed["Nonce"])
    assert "10万元" in xmltodict.parse(plain)["xml"]["Content"]
    forged = httpx.post(f"{stack.url('rasa')}/webhooks/wechat/webhook",
                        params={**signed("not-the-token"), "echostr": "x"},
                        content=text_xml(QUESTION, msg_id(), openid=user).encode(), timeout=30)
    assert forged.status_code == 403
    verify = httpx.get(f"{stack.url('rasa')}/webhooks/wechat/webhook", params={**signed(s.token), "echostr": "e2e-42"})
    assert verify.status_code == 200 and verify.text == "e2e-42"


def test_a_wechat_user_binds_and_unsubscribing_removes_binding_and_conversation(stack: Stack) -> None:
    user = openid()
    sender = f"wx:{user}"
    welcome = reply_text(post(stack, event_xml("subscribe", openid=user)), user)
    assert "欢迎关注政策通" in welcome and "4. 登录" in welcome
    asked = reply_text(post(stack, text_xml(f"身份证{CHEN}", msg_id(), openid=user)), user)
    assert "验证码" in asked, asked
    bound = reply_text(post(stack, text_xml(sms_code(stack, CHEN), msg_id(), openid=user)), user)
    assert "验证成功" in bound, bound
    assert binding(stack, sender) is True
    assert any(e["event"] == "user" for e in tracker(stack, sender)["events"])
    assert post(stack, event_xml("unsubscribe", openid=user)).text == "success"
    assert binding(stack, sender) is False
    assert not any(e["event"] == "user" for e in tracker(stack, sender)["events"])  # the conversation is gone
