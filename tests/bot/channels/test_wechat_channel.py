"""The channel over HTTP (a Sanic app on loopback, a fake bot in place of Rasa): verification, refusals,
the passive reply, deduplication of WeChat's retries, message kinds, the menu and unsubscribing."""

from __future__ import annotations

import asyncio
import time
from typing import Callable, List

import httpx
import xmltodict

from bot.channels.wechat import SENDER_PREFIX, UNSUPPORTED, VOICE_UNHEARD
from bot.channels.wechat_menu import ASK_PROMPT, WELCOME
from bot.channels.wechat_protocol import Envelope
from tests.bot.channels.conftest import Harness
from tests.bot.channels.fakes import (
    ACCOUNT,
    CITED,
    OPENID,
    FakeBot,
    event_xml,
    image_xml,
    location_xml,
    sha1_sorted,
    signed,
    text_xml,
    voice_xml,
)

Start = Callable[..., Harness]


def content(resp: httpx.Response) -> str:
    assert resp.status_code == 200, resp.text
    xml = xmltodict.parse(resp.text)["xml"]
    assert xml["ToUserName"] == OPENID and xml["FromUserName"] == ACCOUNT and xml["MsgType"] == "text"
    return str(xml["Content"])


def test_url_verification_returns_echostr_verbatim(wechat: Start) -> None:
    h = wechat()
    query = {**signed(h.settings.token), "echostr": "5927782489442352469"}
    resp = httpx.get(h.webhook, params=query)
    assert resp.status_code == 200 and resp.text == "5927782489442352469"
    forged = httpx.get(h.webhook, params={**query, "signature": sha1_sorted("wrong-token", query["timestamp"],
                                                                             query["nonce"])})
    assert forged.status_code == 403 and "5927782489442352469" not in forged.text
    assert httpx.get(h.webhook, params={k: v for k, v in query.items() if k != "echostr"}).status_code == 400
    assert httpx.get(h.webhook, params={"echostr": "1"}).status_code == 400
    assert httpx.get(f"{h.url}/webhooks/wechat/").json() == {"status": "ok"}


def test_a_text_message_gets_a_passive_reply_with_the_citation_and_options(wechat: Start) -> None:
    h = wechat()
    reply = content(h.post(text_xml("高新技术企业认定有什么奖励？", 5001)))
    assert CITED in reply and "1. 需要什么材料" in reply and "3. 一键申报" in reply
    [call] = h.bot.calls
    assert call.sender_id == f"{SENDER_PREFIX}{OPENID}" and call.input_channel == "wechat"
    assert call.text == "高新技术企业认定有什么奖励？" and call.message_id == "wx-5001"
    # "2" does what the second button does; the option's words too
    h.post(text_xml("2", 5002))
    h.post(text_xml("需要什么材料", 5003))
    assert h.bot.texts[1:] == ["/check_eligibility", "需要什么材料"]
    h.post(text_xml("2", 5004))  # the last turn had no buttons: "2" is the user's text
    assert h.bot.texts[-1] == "2"


def test_forged_malformed_oversized_and_replayed_posts_are_refused(wechat: Start) -> None:
    h = wechat()
    xml = text_xml("你好", 6001)
    query = signed(h.settings.token)
    assert h.post(xml, query={**query, "signature": "f" * 40}).status_code == 403
    assert h.post(xml, query={k: v for k, v in query.items() if k != "nonce"}).status_code == 400
    assert h.post("<xml><Content>unclosed", query=signed(h.settings.token)).status_code == 400
    assert h.post("<!DOCTYPE x [<!ENTITY a 'b'>]><xml/>", query=signed(h.settings.token)).status_code == 400
    big = text_xml("长" * 30000, 6002)  # 90 KB
    assert h.post(big, query=signed(h.settings.token)).status_code == 413
    old = signed(h.settings.token, timestamp=int(time.time()) - 3600)  # a captured request, replayed an hour later
    assert h.post(xml, query=old).status_code == 403
    resp = httpx.post(h.webhook, params=signed(h.settings.token), content=b"\xff\xfe<xml>")
    assert resp.status_code == 400
    assert h.bot.calls == []  # none of them reached the bot


def test_safe_mode_decrypts_and_encrypts_the_reply(wechat: Start) -> None:
    h = wechat()
    resp = h.post(text_xml("高新技术企业认定有什么奖励？", 7001), safe=True)
    assert resp.status_code == 200
    sealed = xmltodict.parse(resp.text)["xml"]
    assert set(sealed) == {"Encrypt", "MsgSignature", "TimeStamp", "Nonce"}
    assert sealed["MsgSignature"] == sha1_sorted(h.settings.token, sealed["TimeStamp"], sealed["Nonce"], sealed["Encrypt"])
    assert h.settings.aes_key
    envelope = Envelope(h.settings.token, h.settings.aes_key, h.settings.appid)
    plain = envelope.open(f"<xml><Encrypt><![CDATA[{sealed['Encrypt']}]]></Encrypt></xml>", sealed["MsgSignature"],
                          sealed["TimeStamp"], sealed["Nonce"])
    assert CITED in xmltodict.parse(plain)["xml"]["Content"]
    assert h.bot.texts == ["高新技术企业认定有什么奖励？"]


def test_safe_mode_refuses_a_forged_msg_signature_and_another_app(wechat: Start) -> None:
    h = wechat()
    from tests.bot.channels.fakes import encrypted

    body, query = encrypted(h.settings, text_xml("你好", 7101), signed(h.settings.token))
    resp = httpx.post(h.webhook, params={**query, "msg_signature": "0" * 40}, content=body.encode())
    assert resp.status_code == 403
    resp = httpx.post(h.webhook, params={k: v for k, v in query.items() if k != "msg_signature"}, content=body.encode())
    assert resp.status_code == 400
    from dataclasses import replace

    other = replace(h.settings, appid="wx9999999999999999")  # same token and key, another account
    body, query = encrypted(other, text_xml("你好", 7102), signed(h.settings.token))
    assert httpx.post(h.webhook, params=query, content=body.encode()).status_code == 403
    assert h.bot.calls == []


def test_plaintext_only_when_no_aes_key(wechat: Start) -> None:
    h = wechat(aes_key=None)
    assert content(h.post(text_xml("你好", 7201))) == "收到：你好"
    assert h.post(text_xml("你好", 7202), safe=False, query={**signed(h.settings.token), "encrypt_type": "aes",
                                                              "msg_signature": "x"}).status_code == 400


def test_three_retries_of_one_msgid_run_the_bot_once_and_reply_the_same(wechat: Start) -> None:
    h = wechat()
    xml = text_xml("高新技术企业认定有什么奖励？", 8001)
    replies = [h.post(xml).text for _ in range(3)]
    assert len(h.bot.calls) == 1
    assert replies[0] == replies[1] == replies[2] and CITED in content(httpx.Response(200, text=replies[0]))
    # events: FromUserName + CreateTime
    click = event_xml("CLICK", "MENU_MATCH", created=1700000123)
    for _ in range(3):
        h.post(click)
    assert h.bot.texts.count("/find_policies") == 1
    assert h.channel.turns.started == 2 and h.channel.turns.repeats == 4


def test_retries_arriving_while_the_first_runs_wait_for_it(wechat: Start) -> None:
    h = wechat(bot=FakeBot(delay_s=0.5))
    xml = text_xml("灵活就业怎么交社保", 8101)

    async def deliver_three() -> List[httpx.Response]:
        async with httpx.AsyncClient(timeout=30) as client:
            async def one(delay: float) -> httpx.Response:
                await asyncio.sleep(delay)
                return await client.post(h.webhook, params=signed(h.settings.token), content=xml.encode())
            return list(await asyncio.gather(one(0), one(0.1), one(0.2)))

    replies = asyncio.run(deliver_three())
    assert len(h.bot.calls) == 1
    assert {content(r) for r in replies} == {"收到：灵活就业怎么交社保"}


def test_voice_uses_its_recognition_and_other_kinds_are_answered(wechat: Start) -> None:
    h = wechat()
    assert content(h.post(voice_xml("居住证第一次怎么申请。", 9001))) == "收到：居住证第一次怎么申请。"
    assert content(h.post(voice_xml(None, 9002))) == VOICE_UNHEARD
    assert content(h.post(image_xml(9003))) == UNSUPPORTED
    content(h.post(location_xml(9004)))
    assert h.bot.texts == ["居住证第一次怎么申请。", "我的位置：深圳市南山区科技园"]
    location = h.bot.calls[-1].metadata["wechat"]["location"]
    assert location["latitude"] == 22.540503 and location["longitude"] == 113.934528


def test_subscribe_welcomes_with_the_menu_and_clicks_send_intents(wechat: Start) -> None:
    h = wechat()
    welcome = content(h.post(event_xml("subscribe")))
    assert welcome.startswith(WELCOME) and "1. 问政策" in welcome and "5. 转人工" in welcome
    assert h.bot.calls == []  # the welcome is the channel's own
    h.post(text_xml("4", 9101))  # the welcome's option 4 is 登录
    assert h.bot.texts == ["/log_in"]
    for key, intent in (("MENU_MATCH", "/find_policies"), ("MENU_GRANTS", "/check_grants"),
                        ("MENU_LOGIN", "/log_in"), ("MENU_HANDOFF", "/human_handoff")):
        h.post(event_xml("CLICK", key))
        assert h.bot.texts[-1] == intent
    calls = len(h.bot.calls)
    prompt = content(h.post(event_xml("CLICK", "MENU_ASK_POLICY", created=1700000200)))
    assert prompt.startswith(ASK_PROMPT) and "1. 高新技术企业认定有什么奖励？" in prompt
    assert len(h.bot.calls) == calls
    h.post(text_xml("1", 9102))  # the prompt's first example question
    assert h.bot.texts[-1] == "高新技术企业认定有什么奖励？"
    assert "菜单已更新" in content(h.post(event_xml("CLICK", "MENU_GONE")))
    assert h.post(event_xml("VIEW", "https://example.invalid/")).text == "success"
    assert h.post(event_xml("LOCATION")).text == "success"


def test_unsubscribe_removes_the_binding_the_data_and_the_conversation(wechat: Start) -> None:
    h = wechat()
    sender = f"{SENDER_PREFIX}{OPENID}"
    h.post(text_xml("你好", 9201))
    h.tracker_store().store[sender] = "{}"  # what Rasa would have stored
    h.tracker_store().last_seen[sender] = time.time()
    h.eligibility.bound[sender] = True
    h.channel.outbox.add(OPENID, [{"touser": OPENID, "msgtype": "text", "text": {"content": "待发"}}])
    created = int(time.time())
    for _ in range(3):  # WeChat's retries of the one event: erased once
        assert h.post(event_xml("unsubscribe", created=created)).text == "success"
    assert h.eligibility.calls == [("GET", "/auth/binding", sender), ("DELETE", "/me/data", sender),
                                   ("DELETE", "/auth/binding", sender), ("DELETE", "/auth/conversation", sender)]
    assert sender not in h.tracker_store().store and sender not in h.tracker_store().last_seen
    assert h.channel.outbox.pending(OPENID) == [] and h.channel.outbox.erasures() == []
    h.post(event_xml("unsubscribe", created=created + 5))  # another unsubscribe later: nothing bound to delete
    assert [c[:2] for c in h.eligibility.calls[4:]] == [("GET", "/auth/binding"), ("DELETE", "/auth/binding"),
                                                         ("DELETE", "/auth/conversation")]


def test_unsubscribe_while_the_service_is_down_is_retried_until_done(wechat: Start) -> None:
    h = wechat()
    sender = f"{SENDER_PREFIX}{OPENID}"
    h.eligibility.bound[sender] = True
    h.eligibility.down = True
    assert h.post(event_xml("unsubscribe")).text == "success"
    assert h.channel.outbox.erasures() == [sender]  # owed, in the file
    h.eligibility.down = False
    h.wait_for(lambda: h.channel.outbox.erasures() == [])
    assert ("DELETE", "/me/data", sender) in h.eligibility.calls and sender not in h.eligibility.bound


def test_unexpected_errors_are_never_a_500(wechat: Start) -> None:
    def broken(text: str) -> list:
        raise RuntimeError("bug with 13812345678 in it")

    h = wechat(bot=FakeBot(script=broken))
    reply = content(h.post(text_xml("你好", 9301)))
    assert "抱歉" in reply
