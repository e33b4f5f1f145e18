"""The web chat's answer card for a concise answer: the part of the passage that answers, the citation, and
“查看原文” unfolding the whole passage in place (Debian's Chromium through Playwright, as test_browser.py)."""

from __future__ import annotations

import time
from typing import Any

import pytest

from actions.replies import answer_message
from search.types import Answer, Citation, Hit
from tests.e2e.test_browser import Chat, browser  # noqa: F401 - the module's Chromium fixture

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

PASSAGE = ("为支持企业发展，区政府出台了一系列措施，内容涉及融资、用工、房租等多个方面。对年营业收入超过1,000万元的企业，"
           "给予一次性补贴1.5万元，但已享受同类补贴的除外。补贴资金由区财政局统一拨付，具体以主管部门最新通知为准。")
CITED = Citation("ENT-900", "企业发展补贴", "区工业和信息化局", "第三条", "https://www.example.gov.cn/p/1", "2024-05-01")


def test_a_concise_answer_unfolds_the_whole_passage(browser: Any, stack: Any) -> None:  # noqa: F811
    message = answer_message(Answer(query="企业可以获得多少补贴？", faq=None, hits=[
        Hit(chunk_id="ENT-900#2", doc_id="ENT-900", text=PASSAGE, score=3.0, citation=CITED)]))
    concise = message["text"].split("\n")[0]
    assert concise != PASSAGE and message["json_message"]["passage"] == PASSAGE
    chat = Chat(browser, stack, "passage")
    try:
        # the message as the bot sends it over the socket, kept in the tab's transcript and drawn on reload
        entry = {"who": "bot", "id": "m-passage", "ts": int(time.time() * 1000), "state": {},
                 "msg": {"text": message["text"], "buttons": message["buttons"], "custom": message["json_message"]}}
        chat.page.evaluate("e => { const log = JSON.parse(sessionStorage.getItem('zct.log') || '[]');"
                           " log.push(e); sessionStorage.setItem('zct.log', JSON.stringify(log)); }", entry)
        chat.reload()
        card = chat.bots().last
        assert card.get_attribute("data-kind") == "answer"
        assert card.locator(".card-body").inner_text().strip() == concise  # no citation or source line in the body
        assert card.locator("a.citation").get_attribute("href") == CITED.source_url
        toggle = card.locator("button.passage-toggle")
        passage = card.locator(".passage")
        assert toggle.inner_text() == "查看原文" and toggle.get_attribute("aria-expanded") == "false"
        assert not passage.is_visible()
        toggle.click()
        assert toggle.get_attribute("aria-expanded") == "true" and toggle.inner_text() == "收起原文"
        assert passage.is_visible() and passage.inner_text().strip() == PASSAGE
        assert toggle.get_attribute("aria-controls") == passage.get_attribute("id")
        chat.shot("passage-open", at=card)
        toggle.click()
        assert not passage.is_visible() and toggle.get_attribute("aria-expanded") == "false"
        assert not chat.errors, chat.errors
    finally:
        chat.close()
