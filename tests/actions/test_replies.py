"""How an answer reads: the concise answer, the citation line (a document without a source page is never shown as
an official one), the whole passage behind it."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from actions.replies import NOT_FOUND, answer_message, citation_line
from knowledge.freshness import Validity
from search.types import Answer, Citation, FaqMatch, Hit


def test_a_sourced_document_shows_issuer_and_date() -> None:
    line = citation_line(Citation("ENT-056", "高新技术企业认定奖励", "龙岗区科技创新局", "第二条", "https://www.lg.gov.cn/x",
                                  "2024-05-01"))
    assert line == "依据：《高新技术企业认定奖励》第二条（龙岗区科技创新局，信息日期 2024-05-01）"


def test_an_unsourced_document_says_so() -> None:
    line = citation_line(Citation("ENT-019", "龙华区“龙舞华章计划”高层次人才奖励补贴", "深圳市龙华区人才工作主管部门", "",
                                  "", "2020-08-27"))
    assert "未找到官方原文" in line and "以主管部门最新通知为准" in line and "信息日期" not in line


def test_ent_019_cites_no_home_page() -> None:
    import yaml

    from policybot import paths

    doc = yaml.safe_load((paths.CORPUS / "enterprise" / "ENT-019.yaml").read_text(encoding="utf-8"))
    assert doc["source_url"] is None and "咨询" in doc["caveat"]


# ---- the concise answer, its citation and the whole passage behind it --------------------------------------

PASSAGE = ("为支持企业发展，区政府出台了一系列措施，内容涉及融资、用工、房租等多个方面。对年营业收入超过1,000万元的企业，"
           "给予一次性补贴1.5万元，但已享受同类补贴的除外。补贴资金由区财政局统一拨付，具体以主管部门最新通知为准。")
CITED = Citation("ENT-900", "企业发展补贴", "区工业和信息化局", "第三条", "https://www.example.gov.cn/p/1", "2024-05-01")


def passage_answer(text: str, citation: Citation = CITED) -> Answer:
    return Answer(query="企业可以获得多少补贴？", faq=None,
                  hits=[Hit(chunk_id="ENT-900#2", doc_id="ENT-900", text=text, score=3.0, citation=citation)])


def test_an_answer_shows_the_part_that_answers_and_carries_the_whole_passage() -> None:
    message = answer_message(passage_answer(PASSAGE))
    answer, cited, source = message["text"].split("\n")
    assert answer == "对年营业收入超过1,000万元的企业，给予一次性补贴1.5万元，但已享受同类补贴的除外。"
    assert cited == citation_line(CITED) and source == "原文：https://www.example.gov.cn/p/1"  # WeChat: text only
    assert message["json_message"]["passage"] == PASSAGE  # 查看原文 in the web chat
    assert message["json_message"]["citations"][0]["doc_id"] == "ENT-900" and message["buttons"]


def test_a_passage_shown_whole_carries_nothing_more() -> None:
    short = "对年营业收入超过1,000万元的企业，给予一次性补贴1.5万元。"
    message = answer_message(passage_answer(short))
    assert message["text"] == f"{short}\n{citation_line(CITED)}" and "passage" not in message["json_message"]


def test_without_a_source_page_there_is_no_source_line_but_the_passage_travels() -> None:
    unsourced = Citation("ENT-019", "龙舞华章计划", "龙华区人才工作主管部门", "", "", "2020-08-27")
    message = answer_message(passage_answer(PASSAGE, unsourced))
    assert "原文：" not in message["text"] and "未找到官方原文" in message["text"]
    assert message["json_message"]["passage"] == PASSAGE


def test_a_curated_answer_is_shown_verbatim_and_nothing_found_says_so() -> None:
    faq = FaqMatch("ENT-900", "能拿多少补贴？", "一次性补贴1.5万元。", 0.9, CITED)
    message = answer_message(Answer(query="能拿多少补贴", faq=faq, hits=passage_answer(PASSAGE).hits))
    assert message["text"] == f"一次性补贴1.5万元。\n{citation_line(CITED)}" and "passage" not in message["json_message"]
    assert answer_message(Answer(query="asdf", faq=None, hits=[])) == {"text": NOT_FOUND}


# ---- a document out of date says so, in the text every channel shows ------------------------------------

TODAY = dt.date(2026, 12, 3)


def test_an_expired_document_says_its_window_closed_a_current_one_does_not() -> None:
    closed = replace(CITED, validity=Validity(window_end="2025-06-30", window_text="2025年度申报截至6月30日"))
    message = answer_message(passage_answer(PASSAGE, closed), TODAY)
    answer, stale, cited, _ = message["text"].split("\n")
    assert stale == "该政策申报期已于2025年6月30日截止，以主管部门最新通知为准。" and cited == citation_line(closed)
    assert message["json_message"]["notice"] == stale
    still_open = replace(CITED, validity=Validity(window_end="2027-10-07", window_text="申报期至2027年10月7日"))
    for citation in (CITED, still_open):
        current = answer_message(passage_answer(PASSAGE, citation), TODAY)
        assert "截止" not in current["text"] and "notice" not in current["json_message"]


def test_a_superseded_document_names_its_successor() -> None:
    replaced = replace(CITED, validity=Validity(superseded_by="《企业技术改造项目扶持计划操作规程》（深工信规〔2024〕12号）"))
    faq = FaqMatch("ENT-900", "能拿多少补贴？", "一次性补贴1.5万元。", 0.9, replaced)
    message = answer_message(Answer(query="能拿多少补贴", faq=faq, hits=[]), TODAY)
    assert message["text"].split("\n")[:2] == [
        "一次性补贴1.5万元。", "该文件已被《企业技术改造项目扶持计划操作规程》（深工信规〔2024〕12号）替代，请以新文件为准。"]
