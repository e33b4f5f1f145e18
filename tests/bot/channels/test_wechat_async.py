"""The asynchronous path against a fake WeChat API on loopback: an answer later than the passive deadline
goes through the customer-service API; the access token is cached, refreshed before it expires and after
40001; 45047, 45015 and HTTP 500 keep the message and deliver it later; nothing is lost or sent twice."""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Callable, List

import httpx
import pytest
import xmltodict

from bot.channels.wechat_api import WeChatApi
from bot.channels.wechat_menu import MENU, click_keys, create, load_menu, problems
from bot.channels.wechat_outbox import Outbox
from bot.channels.wechat_render import utf8_len
from tests.bot.channels.conftest import Harness
from tests.bot.channels.fakes import OPENID, FakeBot, FakeWeChatApi, text_xml
from tests.ports import free_port, serving

Start = Callable[..., Harness]


def sent_texts(h: Harness) -> List[str]:
    return [m["text"]["content"] for m in h.api.messages]


def test_a_slow_answer_is_success_at_once_then_sent_through_the_api(wechat: Start) -> None:
    h = wechat(bot=FakeBot(delay_s=0.8), passive_timeout_s=0.2)
    began = time.monotonic()
    resp = h.post(text_xml("灵活就业怎么交社保", 1001))
    assert resp.text == "success" and time.monotonic() - began < 0.7
    assert h.api.messages == []  # not yet: the bot is still thinking
    h.wait_for(lambda: len(h.api.messages) == 1)
    assert h.api.messages[0] == {"touser": OPENID, "msgtype": "text", "text": {"content": "收到：灵活就业怎么交社保"}}
    # WeChat's retry after our "success" (it should not come; if it does): no second run, no second message
    assert h.post(text_xml("灵活就业怎么交社保", 1001)).text == "success"
    time.sleep(0.3)
    assert len(h.bot.calls) == 1 and len(h.api.messages) == 1
    assert h.api.token_calls == 1


def test_the_token_is_cached_and_refreshed_before_it_expires(wechat: Start) -> None:
    h = wechat(bot=FakeBot(delay_s=0.3), passive_timeout_s=0.05)
    h.api.expires_in = 2  # refreshed 0.4 s before the end of its life
    h.post(text_xml("一", 1101))
    h.post(text_xml("二", 1102))
    h.wait_for(lambda: len(h.api.messages) == 2)
    assert h.api.token_calls == 1  # one token for both
    time.sleep(1.8)
    h.post(text_xml("三", 1103))
    h.wait_for(lambda: len(h.api.messages) == 3)
    assert h.api.token_calls == 2 and h.api.refused == []  # renewed before WeChat would have said 42001


def test_an_invalid_token_is_refreshed_and_the_call_retried_once(wechat: Start) -> None:
    h = wechat(bot=FakeBot(delay_s=0.2), passive_timeout_s=0.05)
    h.post(text_xml("一", 1201))
    h.wait_for(lambda: len(h.api.messages) == 1)
    h.api.expire_tokens()  # e.g. someone else fetched a token with our secret
    h.post(text_xml("二", 1202))
    h.wait_for(lambda: len(h.api.messages) == 2)
    assert [code for code, _ in h.api.refused] == [40001] and h.api.token_calls == 2
    assert sent_texts(h) == ["收到：一", "收到：二"]


def test_45047_and_http_500_keep_the_message_and_retry_it(wechat: Start, caplog: pytest.LogCaptureFixture) -> None:
    h = wechat(bot=FakeBot(delay_s=0.2), passive_timeout_s=0.05)
    h.api.fail_next(45047, "http500")
    with caplog.at_level(logging.WARNING, logger="bot.channels.wechat_outbox"):
        h.post(text_xml("高龄老人津贴有多少钱", 1301))
        h.wait_for(lambda: len(h.api.messages) == 1 and not h.channel.outbox.pending())
    assert sent_texts(h) == ["收到：高龄老人津贴有多少钱"]
    assert [code for code, _ in h.api.refused] == [45047]
    kept = [r.getMessage() for r in caplog.records if "kept" in r.getMessage()]
    assert len(kept) == 2 and "45047" in kept[0] and "HTTP 500" in kept[1]
    assert OPENID not in " ".join(kept)  # the user is named by a hash


def test_45015_waits_for_the_user_to_write_again(wechat: Start) -> None:
    h = wechat(bot=FakeBot(delay_s=0.2), passive_timeout_s=0.05, retry_base_s=60.0, retry_max_s=60.0)
    h.api.fail_next(45015)
    h.post(text_xml("生育津贴怎么领", 1401))
    h.wait_for(lambda: len(h.api.refused) == 1)
    time.sleep(0.3)
    [row] = h.channel.outbox.pending(OPENID)
    assert row.status == "waiting" and h.api.messages == []
    h.bot.delay_s = 0
    reply = h.post(text_xml("在吗", 1402))  # the user writes: the 48-hour window is open again
    assert "收到：在吗" in xmltodict.parse(reply.text)["xml"]["Content"]
    h.wait_for(lambda: len(h.api.messages) == 1 and not h.channel.outbox.pending())
    assert sent_texts(h) == ["收到：生育津贴怎么领"]


def test_a_long_answer_goes_passive_first_then_the_rest_in_order(wechat: Start) -> None:
    paragraph = "".join(f"第{i}条：符合条件的企业可以按规定申请相应补贴。" for i in range(150))
    h = wechat(bot=FakeBot(script=lambda text: [{"text": paragraph}]))
    h.api.fail_next(45047)  # the second part waits; the third must not overtake it
    first = xmltodict.parse(h.post(text_xml("都有哪些补贴", 1501)).text)["xml"]["Content"]
    h.wait_for(lambda: len(h.api.messages) >= 2 and not h.channel.outbox.pending())
    parts = [first, *sent_texts(h)]
    assert len(parts) >= 3 and all(utf8_len(p) <= 2048 for p in parts)
    assert "".join(parts) == paragraph and all(p.endswith("。") for p in parts)


def test_what_a_previous_run_left_queued_is_delivered_after_a_restart(wechat: Start, tmp_path) -> None:
    left = Outbox(tmp_path / "outbox.sqlite3")
    left.add(OPENID, [{"touser": OPENID, "msgtype": "text", "text": {"content": "重启前未发出的答复"}}])
    left.close()
    h = wechat()  # the same file; no message arrives: the server's start resumes the outbox
    h.wait_for(lambda: len(h.api.messages) == 1)
    assert sent_texts(h) == ["重启前未发出的答复"]


def test_retries_in_a_burst_give_one_reply_and_no_api_message(wechat: Start) -> None:
    h = wechat(bot=FakeBot(delay_s=0.3))
    xml = text_xml("高新技术企业认定有什么奖励？", 1601)

    async def burst() -> List[str]:
        async with httpx.AsyncClient(timeout=30) as client:
            from tests.bot.channels.fakes import signed

            calls = [client.post(h.webhook, params=signed(h.settings.token), content=xml.encode()) for _ in range(50)]
            return [r.text for r in await asyncio.gather(*calls)]

    bodies = asyncio.run(burst())
    assert len(h.bot.calls) == 1 and len(set(bodies)) == 1 and "高新技术企业认定后" in bodies[0]
    time.sleep(0.2)
    assert h.api.messages == []


def test_the_menu_is_valid_and_created_through_the_api() -> None:
    menu = load_menu()
    assert problems(menu) == []
    assert set(click_keys(menu)) == set(MENU) == {"MENU_ASK_POLICY", "MENU_MATCH", "MENU_GRANTS", "MENU_LOGIN",
                                                  "MENU_HANDOFF"}
    import yaml

    from policybot import paths

    intents = set()
    for path in (paths.ROOT / "bot" / "domain").glob("*.yml"):
        intents.update(str(i) for i in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("intents") or [])
    for action in MENU.values():  # every intent a button sends is the domain's
        if action.payload:
            assert action.payload.lstrip("/") in intents
    assert problems({"button": [{"type": "click", "name": "一个太长的菜单名字", "key": "MENU_MATCH"}]})
    assert problems({"button": [{"type": "click", "name": "新", "key": "MENU_UNKNOWN"}]})

    fake = FakeWeChatApi("wx1234567890abcdef", "s3cret")
    port = free_port()
    with serving(fake.app(), port, "the fake WeChat API"):
        api = WeChatApi(f"http://127.0.0.1:{port}", fake.appid, fake.secret)

        async def run() -> None:
            try:
                await create(api, menu)
            finally:
                await api.aclose()

        asyncio.run(run())
    assert fake.menus == [menu]  # UTF-8 JSON: the names arrive as Chinese, not \\u escapes


def test_a_message_pushed_outside_the_users_turn_goes_through_the_api_with_numbered_options(wechat: Start) -> None:
    """What Rasa does with an operator's reply or a reminder appended to a WeChat conversation
    (``execute_side_effects`` with the channel's output): the customer-service API, buttons as options."""
    h = wechat()
    out = h.channel.get_output_channel()
    assert out is not None and out.name() == "wechat"
    message = {"text": "本次人工服务已结束。请为刚才的服务打个分：",
               "buttons": [{"title": "满意", "payload": '/rate_service{"rating": "满意"}'},
                           {"title": "不满意", "payload": '/rate_service{"rating": "不满意"}'}]}

    async def push() -> None:
        await out.send_response(f"wx:{OPENID}", message)
        await out.send_response("web-notwechat", {"text": "别的渠道的会话"})  # never sent to anyone

    asyncio.run(push())
    h.wait_for(lambda: len(h.api.messages) == 1)
    assert h.api.messages[0]["touser"] == OPENID
    assert sent_texts(h)[0].startswith("本次人工服务已结束") and "1. 满意" in sent_texts(h)[0]
    # the user's "2" is then the second option's payload
    assert h.channel.options.resolve(f"wx:{OPENID}", "2").payload == '/rate_service{"rating": "不满意"}'
    time.sleep(0.2)
    assert len(h.api.messages) == 1
