"""The web chat (web/chat, served at /chat/) in real headless Chromium from Debian's packages, driven by
Playwright: a citizen journey and an enterprise journey on a 375×667 phone screen, against the whole
running assistant. Screenshots are kept in var/artifacts/screenshots/ (git-ignored)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import urllib.error
import urllib.request
import uuid
from pathlib import Path
from typing import Any, Iterator, List

import pytest

from policybot import paths
from tests.e2e.conftest import api, sms_code, staff_token

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--disable-quic"]
SHOTS = paths.VAR / "artifacts" / "screenshots"
PHONE = {"width": 375, "height": 667}
TURN_MS = 60_000

CHEN = "440309194803150023"      # 陈桂兰, 78: 免申即享 高龄老人津贴
HUAXIN = "91440309MA5H2KQ3XC"    # 华芯智云: 秒批 on verified data (ENT-011, ENT-012)
PASSWORD = "Demo@2026"           # the development 统一身份认证's accounts (idp/accounts.yaml)


@pytest.fixture(scope="module")
def browser(stack: Any) -> Iterator[Any]:
    # fail, never skip: the browser is part of what `make test` installs (requirements/apt.txt)
    assert CHROMIUM.exists(), "Debian's chromium is missing: `make system` installs requirements/apt.txt"
    assert "bot.webchat.WebChatInput" in paths.CREDENTIALS.read_text(encoding="utf-8"), \
        f"{paths.CREDENTIALS} must declare the web chat's channel bot.webchat.WebChatInput (see bot/webchat.py)"
    from playwright.sync_api import sync_playwright

    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        yield chromium
        chromium.close()


class Chat:
    """One phone with the chat page open; console errors and uncaught exceptions are collected."""

    def __init__(self, browser: Any, stack: Any, name: str):
        self.stack, self.name, self.shots = stack, name, 0
        self.context = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True,
                                           locale="zh-CN")
        self.page = self.context.new_page()
        self.errors: List[str] = []
        self.page.on("console", lambda m: self.errors.append(f"console.{m.type}: {m.text}") if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(f"uncaught: {e}"))
        self.open()

    def open(self) -> None:
        self.page.goto(f"{self.stack.url('eligibility')}/chat/")
        self.page.wait_for_selector("body[data-session=ready]", timeout=30_000)

    def reload(self) -> None:
        self.page.reload()
        self.page.wait_for_selector("body[data-session=ready]", timeout=30_000)

    def bots(self) -> Any:
        return self.page.locator(".msg.bot:not(.typing)")

    def say(self, text: str) -> str:
        """Type a message and send it; the text of the bot's answer (all its messages of the turn)."""
        before = self.bots().count()
        self.page.fill("#input", text)
        self.page.click("#send")
        return self.answered(before)

    def click(self, locator: Any) -> str:
        before = self.bots().count()
        locator.click()
        return self.answered(before)

    def answered(self, before: int) -> str:
        self.page.wait_for_function(
            "n => document.querySelectorAll('.msg.bot:not(.typing)').length > n && !document.getElementById('typing')",
            arg=before, timeout=TURN_MS)
        texts = self.bots().all_inner_texts()
        return "\n".join(texts[before:])

    def shot(self, what: str, page: Any = None, at: Any = None) -> Path:
        """A screenshot of the phone's screen (of ``at`` scrolled to the top when given)."""
        if at is not None:
            at.evaluate("e => { const log = document.getElementById('log');"
                        " log.scrollTop += e.getBoundingClientRect().top - log.getBoundingClientRect().top; }")
        self.shots += 1
        path = SHOTS / f"{self.name}-{self.shots:02d}-{what}.png"
        (page or self.page).screenshot(path=str(path))
        return path

    def close(self) -> None:
        self.context.close()


def grant_waiting(stack: Any, subject: str) -> bool:
    notes = api(stack, "GET", f"/profiles/{subject}/notifications", staff_token(stack, "operator"))
    return any((n.get("grant") or {}).get("status") == "notified" for n in notes["notifications"])


def new_grant_period(stack: Any) -> None:
    """The 免申即享 batch for a test-only period: every eligible person gets a new grant to confirm, so the
    journeys that confirm 陈桂兰's allowance (this one and the REST one) do not depend on their order."""
    env = {**os.environ, **stack.env}
    subprocess.run([sys.executable, "-m", "eligibility.cli", "grants", "run", "--period", f"t{uuid.uuid4().hex[:8]}"],
                   cwd=paths.ROOT, env=env, check=True, stdout=subprocess.DEVNULL)


def test_the_chat_page_is_served_and_only_its_origin_may_open_a_socket(stack: Any) -> None:
    with urllib.request.urlopen(f"{stack.url('eligibility')}/chat/config.json", timeout=10) as resp:
        config = json.loads(resp.read())
    assert config["socket_url"] == stack.url("rasa")
    handshake = f"{stack.url('rasa')}/socket.io/?EIO=4&transport=polling"
    page_origin = stack.url("eligibility")
    with urllib.request.urlopen(urllib.request.Request(handshake, headers={"Origin": page_origin}), timeout=10) as resp:
        assert resp.status == 200 and resp.headers["Access-Control-Allow-Origin"] == page_origin
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(urllib.request.Request(handshake, headers={"Origin": "https://evil.example"}), timeout=10)
    assert refused.value.code == 400


def test_citizen_asks_gets_a_cited_answer_binds_and_confirms_her_allowance(browser: Any, stack: Any) -> None:
    if not grant_waiting(stack, CHEN):
        new_grant_period(stack)
    chat = Chat(browser, stack, "citizen")
    try:
        chat.shot("welcome")
        chat.say("高龄老人津贴怎么领？")
        answer = chat.bots().nth(chat.bots().count() - 1)
        assert answer.get_attribute("data-kind") == "answer"
        link = answer.locator("a.citation")
        assert "高龄老人津贴" in link.inner_text() and link.get_attribute("href").startswith("http"), link.inner_text()
        assert link.get_attribute("target") == "_blank"
        chat.shot("cited-answer")

        thanks = chat.click(answer.locator(".star[data-stars='5']"))  # 好差评 after the answer
        assert "感谢" in thanks and "已评价：非常满意" in answer.inner_text(), (thanks, answer.inner_text())

        # 适老化: the large-text mode scales the text and is remembered
        bubble = chat.page.locator(".msg.user .bubble").first
        normal = float(bubble.evaluate("e => parseFloat(getComputedStyle(e).fontSize)"))
        chat.page.click("#btn-large")
        large = float(bubble.evaluate("e => parseFloat(getComputedStyle(e).fontSize)"))
        assert large >= 18 and large > normal * 1.15, (normal, large)
        assert chat.page.get_attribute("#btn-large", "aria-pressed") == "true"
        assert chat.page.evaluate("localStorage.getItem('zct.large')") == "1"
        chat.shot("large-text")

        sent = chat.say(f"我是陈桂兰，身份证{CHEN}")
        assert "验证码" in sent, sent
        assert CHEN not in chat.page.content(), "the ID number is shown masked"
        assert "验证成功" in chat.say(sms_code(stack, CHEN))

        # the conversation survives a reload: the same session, still bound, large text still on
        session = chat.page.evaluate("sessionStorage.getItem('zct.session')")
        chat.reload()
        assert chat.page.evaluate("sessionStorage.getItem('zct.session')") == session
        assert "验证成功" in chat.page.locator("#log").inner_text()
        assert chat.page.evaluate("document.documentElement.classList.contains('large')")
        chat.page.click("#btn-large")  # back to the standard size for the rest of the screenshots

        grants = chat.say("有没有免申即享的待遇")
        notice = chat.page.locator(".msg.bot[data-kind=grants]").last
        assert "高龄老人津贴" in grants and "统一社会信用代码" not in grants, grants
        chat.shot("mianshen-notice")
        notice.locator("button.confirm-account").click()
        assert chat.page.locator("#hint").is_visible()
        assert chat.page.evaluate("document.activeElement.id") == "input"
        paid = chat.say("工商银行 6222 0212 3456 7890 123")
        card = chat.page.locator(".msg.bot[data-kind=grant]").last
        assert "已发放" in card.inner_text() and "****0123" in paid, paid
        mine = chat.page.locator(".msg.user .bubble").last.inner_text()
        assert "****0123" in mine and "6222" not in mine, mine  # the card number is shown masked
        chat.shot("paid")
        assert not chat.errors, chat.errors
    finally:
        chat.close()
        if not grant_waiting(stack, CHEN):  # leave one to confirm for the REST journey, whichever runs first
            new_grant_period(stack)


def test_enterprise_logs_in_sees_its_matches_and_applies_with_one_click(browser: Any, stack: Any) -> None:
    chat = Chat(browser, stack, "enterprise")
    try:
        chat.say("登录")
        login = chat.page.locator(".msg.bot[data-kind=login]").last
        with chat.page.expect_popup() as opened:
            login.locator("button.login").click()
        idp = opened.value
        idp.wait_for_selector("#identifier")
        idp.fill("#identifier", HUAXIN)
        idp.fill("#password", PASSWORD)
        chat.shot("idp-login", idp)
        idp.click("button[value=login]")
        idp.wait_for_selector("#code")
        code = idp.inner_text("#code").strip()
        assert re.fullmatch(r"\d{6}", code), code
        chat.shot("idp-code", idp)
        # the chat page reads the code from its own login window and puts it in the input; the person sends it
        chat.page.wait_for_function("c => document.getElementById('input').value === c", arg=code, timeout=10_000)
        chat.shot("code-filled")
        idp.close()
        bound = chat.click(chat.page.locator("#send"))
        assert "验证成功" in bound and "华芯" in bound, bound

        chat.say("我们公司能申请哪些补贴")
        card = chat.page.locator(".msg.bot[data-kind=matches]").last
        policies = card.locator(".policy")
        assert policies.count() >= 2
        states = set(card.locator(".conds li").evaluate_all("items => items.map(i => i.dataset.state)"))
        assert "met" in states and states <= {"met", "not_met", "unknown"}, states
        marks = set(card.locator(".conds .mark").evaluate_all("items => items.map(i => i.textContent)"))
        assert "✓" in marks and marks <= {"✓", "✗", "？"}, marks
        chat.shot("matches", at=card)
        # two 秒批 policies: the REST journey applies for the first, this one for the last (one application each)
        instant = card.locator(".policy[data-status=eligible][data-handling='秒批']")
        assert instant.count() >= 2, instant.count()
        chosen = instant.last
        title = chosen.locator(".policy-title").inner_text()
        prepared = chat.click(chosen.locator("button.apply"))
        assert "已从数据账户自动填写" in prepared, prepared
        chat.shot("prefilled")
        result = chat.click(chat.bots().last.locator(".chip", has_text="一键申报"))
        app = chat.page.locator(".msg.bot[data-kind=application]").last
        assert "已批准" in app.inner_text() and title in app.inner_text(), result
        assert "秒批" in result, result
        chat.shot("approved")
        thanks = chat.click(chat.bots().last.locator(".star[data-stars='4']"))
        assert "感谢" in thanks

        chat.page.click("#btn-calendar")
        panel = chat.page.locator("#calendar-panel")
        panel.locator("table tbody td").first.wait_for()
        assert panel.locator("td[aria-label*='日']").count() >= 28
        chat.shot("calendar")
        chat.page.click("#calendar-close")
        assert not chat.errors, chat.errors
    finally:
        chat.close()
