"""政策文件导办 and 补贴事项导办 end to end through the REST channel: the real Rasa server with the trained model,
the action server and the eligibility service (tests/e2e/conftest.py). What a list must hold comes from the
corpus (search/browsing.py's catalogue of it), what a bound company's marks must be from the service."""

from __future__ import annotations

import json
import re
from typing import Dict, List

import pytest

from search.browsing import FIT_MARK, Item, catalogue
from tests.e2e.conftest import Chat, api, cited, sms_code, text_of

pytestmark = pytest.mark.e2e

HUAXIN = "91440309MA5H2KQ3XC"  # 华芯: meets the 秒批 新纳统 rewards of 深龙华府规〔2021〕4号 on verified data
SHANGMAO = "《深圳市龙华区促进商贸服务业高质量发展若干措施》"  # 深龙华府规〔2021〕4号
ZONGBU = "《深圳市龙华区加快发展总部经济实施办法》"  # a policy_file title the corpus records (4 items)
NOT_IN_CORPUS = "《深圳市龙华区关于促进工业和信息化高质量发展的若干措施》"  # the example: no document cites it
MATCHING_QUESTION = re.compile(r"请问|贵单位")



def file_items(title: str) -> List[Item]:
    """A policy file's items as the catalogue holds them (the file must be in the corpus)."""
    found = catalogue().file(title)
    assert found is not None, title
    return list(found.items)

def browse(replies: List[dict]) -> Dict:
    cards = [r["custom"] for r in replies if (r.get("custom") or {}).get("type") == "browse"]
    assert len(cards) == 1, replies
    return cards[0]


def buttons(replies: List[dict]) -> List[dict]:
    return [b for r in replies for b in r.get("buttons") or []]


def test_a_category_lists_its_items_and_starts_no_matching(chat: Chat) -> None:
    replies = chat("人才方面有哪些补贴")
    expected = [i.doc_id for i in catalogue().topic_items("人才")]
    assert [i["policy_id"] for i in browse(replies)["items"]] == expected
    text = text_of(replies)
    assert not MATCHING_QUESTION.search(text), text
    for doc_id in expected:
        assert catalogue().docs[doc_id].title.split("（《")[0] in text
    # no form waits for an answer: the next request is browsed too, not taken as an answer
    again = chat("外贸出口有什么补贴")
    assert [i["policy_id"] for i in browse(again)["items"]] == [i.doc_id for i in catalogue().topic_items("外贸")]
    assert not MATCHING_QUESTION.search(text_of(again)), again


def test_a_policy_file_lists_its_items_in_the_files_order(chat: Chat) -> None:
    replies = chat(f"{ZONGBU}里有哪些补贴")
    card = browse(replies)
    assert card["by"] == "file" and [i["policy_id"] for i in card["items"]] == \
        [i.doc_id for i in file_items(ZONGBU)]
    assert "万元" in text_of(replies) and not MATCHING_QUESTION.search(text_of(replies))
    by_number = chat("深龙华府规〔2021〕7号有哪些扶持")
    assert [i["policy_id"] for i in browse(by_number)["items"]] == [i["policy_id"] for i in card["items"]]


def test_a_file_the_corpus_does_not_hold_is_said_so_and_starts_no_matching(chat: Chat) -> None:
    replies = chat(f"{NOT_IN_CORPUS}里有哪些补贴")
    assert browse(replies)["by"] == "unknown_file"
    text = text_of(replies)
    assert "暂未收录" in text and not MATCHING_QUESTION.search(text), text


def test_an_item_button_opens_that_items_conditions(chat: Chat) -> None:
    listed = chat("科技创新方面有哪些补贴")
    button = buttons(listed)[1]
    doc_id = json.loads(button["payload"][len("/ask_policy"):])["policy"]
    opened = chat(button["payload"])
    assert cited(opened) == [doc_id], opened
    assert {"/check_eligibility", "/apply"} <= {b["payload"] for b in buttons(opened)}
    more = chat("产业升级与技改方面有哪些补贴")
    page = next(b for b in buttons(more) if b["title"] == "查看更多")
    second = browse(chat(page["payload"]))["items"]
    expected = [i.doc_id for i in catalogue().topic_items("产业升级与技改")]
    assert [i["policy_id"] for i in second] == expected[len(browse(more)["items"]):][:len(second)]


def test_a_bound_company_sees_its_fit_then_opens_an_item_and_is_offered_one_click(chat: Chat, stack) -> None:  # type: ignore[no-untyped-def]
    sent = chat(f"统一社会信用代码 {HUAXIN}")
    assert "验证码" in text_of(sent), sent
    assert "验证成功" in text_of(chat(sms_code(stack, HUAXIN)))
    replies = chat("深龙华府规〔2021〕4号里有哪些补贴")
    items = browse(replies)["items"]
    ids = [i["policy_id"] for i in items]
    assert ids == [i.doc_id for i in file_items(SHANGMAO)]
    # the marks are the service's reading of the company's data (tests/actions/test_browsing.py compares them with
    # the service's own /match); here: each item marked, and 华芯 meets at least one
    assert all(i["fit"] in FIT_MARK for i in items) and any(i["fit"] == "eligible" for i in items), items
    lines = text_of(replies).splitlines()
    for n, item in enumerate(items, 1):
        assert any(line.startswith(f"{n}. {FIT_MARK[item['fit']]} ") for line in lines), lines
    eligible = next(i["policy_id"] for i in items if i["fit"] == "eligible")
    opened = chat(next(b["payload"] for b in buttons(replies) if eligible in b["payload"]))
    checklist = [r["custom"] for r in opened if (r.get("custom") or {}).get("type") == "checklist"]
    assert checklist and checklist[0]["item"]["status"] == "eligible" and "✓" in text_of(opened), opened
    one_click = next(b for b in buttons(opened) if b["title"] == "一键申报")
    prepared = chat(one_click["payload"])
    assert "已从数据账户自动填写" in text_of(prepared), prepared  # the existing application flow; not submitted
    policy = api(stack, "GET", f"/policies/{eligible}")
    assert policy["title"] in text_of(prepared)


def test_on_wechat_the_items_are_numbered_options_and_a_number_opens_one(stack) -> None:  # type: ignore[no-untyped-def]
    from tests.bot.channels.fakes import text_xml
    from tests.e2e.test_wechat import msg_id, openid, post, reply_text

    user = openid()
    listed = reply_text(post(stack, text_xml("《深圳市龙华区加快发展总部经济实施办法》里有哪些补贴", msg_id(), openid=user)), user)
    items = file_items(ZONGBU)
    assert "回复序号即可选择" in listed and all(f"{n}. {i.short_title}" in listed for n, i in enumerate(items, 1)), listed
    opened = reply_text(post(stack, text_xml("2", msg_id(), openid=user)), user)
    assert f"依据：《{items[1].title}》" in opened, opened
