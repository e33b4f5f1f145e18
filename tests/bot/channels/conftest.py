"""A WeChat channel served on loopback with a fake bot, a fake WeChat API and a fake eligibility service."""

from __future__ import annotations

import contextlib
import time
import uuid
from dataclasses import dataclass, replace
from pathlib import Path
from types import SimpleNamespace
from typing import Any, Callable, Dict, Iterator, Optional

import httpx
import pytest
from rasa.core.lock_store import InMemoryLockStore
from rasa.core.tracker_store import AwaitableTrackerStore, FailSafeTrackerStore
from rasa.shared.core.domain import Domain
from sanic import Sanic

from bot.channels.wechat import WeChatInput
from bot.channels.wechat_config import WeChatSettings
from bot.tracker_store import MaskingTrackerStore
from tests.bot.channels.fakes import FakeBot, FakeEligibility, FakeWeChatApi, encrypted, signed
from tests.ports import free_port, serving

SERVICE_KEY = "test-service-key-0123456789abcdef"
# Several Sanic apps start in one process here (one per test): in test mode Sanic 21.12 keeps the methods it
# rewrites at start-up, so the second app's start (and its listeners) runs too, as sanic-testing does.
Sanic.test_mode = True


def settings_for(tmp_path: Path, **overrides: Any) -> WeChatSettings:
    base = WeChatSettings(token="test-token", appid="wx1234567890abcdef", secret="test-secret",
                          aes_key="kWxPEV2UEDyxWpmPdKC3F4dgPDmOvfKX1HGnEUDS1aR", outbox_path=tmp_path / "outbox.sqlite3",
                          service_key=SERVICE_KEY, passive_timeout_s=2.0, retry_base_s=0.1, retry_max_s=0.4,
                          api_timeout_s=5.0)
    return replace(base, **overrides)


@dataclass
class Harness:
    url: str
    settings: WeChatSettings
    channel: WeChatInput
    bot: FakeBot
    api: FakeWeChatApi
    eligibility: FakeEligibility
    app: Sanic

    @property
    def webhook(self) -> str:
        return f"{self.url}/webhooks/wechat/webhook"

    def post(self, xml: str, safe: bool = False, query: Optional[Dict[str, str]] = None,
             timeout: float = 30) -> httpx.Response:
        query = query or signed(self.settings.token)
        body = xml
        if safe:
            body, query = encrypted(self.settings, xml, query)
        return httpx.post(self.webhook, params=query, content=body.encode("utf-8"), timeout=timeout)

    def tracker_store(self) -> MaskingTrackerStore:
        return self.app.ctx.store

    def wait_for(self, condition: Callable[[], bool], timeout: float = 10.0) -> None:
        deadline = time.time() + timeout
        while not condition():
            assert time.time() < deadline, "timed out waiting"
            time.sleep(0.02)


@pytest.fixture()
def wechat(tmp_path: Path) -> Iterator[Callable[..., Harness]]:
    """``wechat(**settings)`` starts a channel (and its fakes) for this test; all stop at its end."""
    with contextlib.ExitStack() as stack:

        def start(bot: Optional[FakeBot] = None, **overrides: Any) -> Harness:
            api_port, elig_port, port = free_port(), free_port(), free_port()
            settings = settings_for(tmp_path, api_base=f"http://127.0.0.1:{api_port}",
                                    eligibility_url=f"http://127.0.0.1:{elig_port}", **overrides)
            api = FakeWeChatApi(settings.appid, settings.secret)
            eligibility = FakeEligibility(SERVICE_KEY)
            stack.enter_context(serving(api.app(), api_port, "the fake WeChat API"))
            stack.enter_context(serving(eligibility.app(), elig_port, "the fake eligibility service"))
            bot = bot or FakeBot()
            channel = WeChatInput(settings)
            app = Sanic(f"wechat_test_{uuid.uuid4().hex[:8]}", configure_logging=False)
            store = MaskingTrackerStore(Domain.empty(), retention_days=180)
            # what Rasa's agent holds: the store wrapped twice, and a lock store
            app.ctx.store = store
            app.ctx.agent = SimpleNamespace(tracker_store=FailSafeTrackerStore(AwaitableTrackerStore(store)),
                                            lock_store=InMemoryLockStore())
            app.blueprint(channel.blueprint(bot), url_prefix="/webhooks/wechat")
            stack.callback(channel.outbox.close)  # after the server (and its delivery task) stopped
            stack.enter_context(serving(app, port, "the WeChat channel"))
            return Harness(f"http://127.0.0.1:{port}", settings, channel, bot, api, eligibility, app)

        yield start
