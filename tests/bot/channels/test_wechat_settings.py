"""Settings from the environment and credentials.yml, the development defaults, and the dedup table."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
import yaml

from bot.channels.wechat import WeChatInput
from bot.channels.wechat_config import DEV_AES_KEY, DEV_APPID, DEV_SECRET, DEV_TOKEN, WeChatSettings
from bot.channels.wechat_dedup import Turns
from policybot import paths


def test_development_values_unless_the_environment_sets_them() -> None:
    dev = WeChatSettings.load({}, environ={})
    assert (dev.token, dev.appid, dev.secret, dev.aes_key) == (DEV_TOKEN, DEV_APPID, DEV_SECRET, DEV_AES_KEY)
    assert dev.development and dev.api_base == "https://api.weixin.qq.com" and dev.passive_timeout_s == 4.5
    real = WeChatSettings.load({"passive_timeout_s": 3.0, "max_age_s": 120},
                               environ={"WECHAT_TOKEN": "t", "WECHAT_APPID": "wxa", "WECHAT_SECRET": "s",
                                        "WECHAT_AES_KEY": "k" * 43, "WECHAT_API_BASE": "http://127.0.0.1:1/",
                                        "WECHAT_MAX_AGE_S": "60", "POLICYBOT_SERVICE_KEY": "key"})
    assert (real.token, real.appid, real.secret, real.aes_key) == ("t", "wxa", "s", "k" * 43)
    assert not real.development and real.api_base == "http://127.0.0.1:1"
    assert real.passive_timeout_s == 3.0 and real.max_age_s == 60.0  # credentials, then the environment wins
    assert real.service_key == "key"
    assert WeChatSettings.load({}, environ={"WECHAT_AES_KEY": ""}).aes_key is None  # plaintext mode only


def test_credentials_yml_enables_the_channel(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    credentials = yaml.safe_load(paths.CREDENTIALS.read_text(encoding="utf-8"))
    assert "bot.channels.rest.CappedRestInput" in credentials and "rest" not in credentials  # our checks on REST
    assert "bot.webchat.WebChatInput" in credentials  # the web chat replaces socketio
    block = credentials["bot.channels.wechat.WeChatInput"]
    monkeypatch.setenv("WECHAT_OUTBOX_PATH", str(tmp_path / "o.sqlite3"))
    monkeypatch.setenv("WECHAT_TOKEN", "from-env")
    channel = WeChatInput.from_credentials(block)
    assert isinstance(channel, WeChatInput)
    assert channel.name() == "wechat" and channel.url_prefix() == "wechat"
    assert channel.settings.token == "from-env" and channel.settings.passive_timeout_s == block["passive_timeout_s"]
    assert channel.envelope is not None  # the development AES key: safe mode available
    channel.outbox.close()


def test_a_key_is_run_once_within_its_ttl_and_again_after() -> None:
    async def scenario() -> None:
        runs = []

        async def work() -> int:
            runs.append(1)
            await asyncio.sleep(0.05)
            return len(runs)

        turns = Turns(ttl_s=0.2)
        first, new1 = turns.get_or_start("msg:1", work)
        second, new2 = turns.get_or_start("msg:1", work)
        assert new1 and not new2 and first is second and second.deliveries == 2
        assert await first.task == 1
        await asyncio.sleep(0.25)
        third, new3 = turns.get_or_start("msg:1", work)  # long after: a new message with a recycled id
        assert new3 and await third.task == 2
        assert (turns.started, turns.repeats) == (2, 1)

    asyncio.run(scenario())


def test_the_table_stays_bounded() -> None:
    async def scenario() -> None:
        async def work() -> None:
            return None

        turns = Turns(ttl_s=0.0, max_entries=10)
        for i in range(50):
            turn, _ = turns.get_or_start(f"msg:{i}", work)
            await turn.task
        assert len(turns) <= 10

    asyncio.run(scenario())
