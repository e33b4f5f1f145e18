"""Concise answers: the part of a passage that answers, never cut inside a number, a condition or a table row,
every character from the passage."""

from __future__ import annotations

import statistics
import time
from typing import List, Optional

import pytest

from knowledge.concise import SHORT_PASSAGE, concise, pieces, shown
from knowledge.types import Answer, Citation, FaqMatch, Hit

SUBSIDY = ("为支持企业发展，区政府出台了一系列措施，内容涉及融资、用工、房租等多个方面。对年营业收入超过1,000万元的企业，"
           "给予一次性补贴1.5万元，但已享受同类补贴的除外。补贴资金由区财政局统一拨付，具体以主管部门最新通知为准。")
TRAINING = ("据介绍，为进一步稳定就业，市人力资源社会保障局会同市财政局印发通知，对参加线上职业技能培训并取得合格证书的劳动者"
            "给予补贴，补贴标准为每人每课时10元。本通知自印发之日起施行，有效期至2024年12月31日。")
QUARANTINE = ("四、实行集中隔离。对确诊病例、疑似病例实行定点隔离治疗，对密切接触者实行集中医学观察。 五、加强交通检疫。在机场、"
              "火车站、汽车客运站等处设立联合检疫站，对入市人员进行体温检测登记。 六、全力救治患者。将确诊病例集中安排在定点医疗"
              "机构救治。")
ELDERLY = ("高龄老人津贴的发放对象为深圳户籍、年满70周岁的老人，由民政部门按月发放到老人本人的银行账户。高龄老人津贴按月发放：70至"
           "79周岁每月200元，80至89周岁每月300元，90至99周岁每月500元，100周岁以上每月1000元。")
HOUSING = ("申请公共租赁住房轮候的申请人须年满18周岁并具有深圳户籍，但通过投靠子女取得深户的不能作为申请人。申请人须在深参加养老"
           "保险或医疗保险累计满3年；本科学历或中级职称的满1年即可；残疾等级为1至4级的或属于优抚对象的，不受参保年限限制。")


def in_order(part: str, passage: str) -> bool:
    """Every character of part is a character of passage, in the passage's order."""
    chars = iter(passage)
    return all(c in chars for c in part)


def test_the_clause_with_the_figure_keeps_its_condition_and_its_exception() -> None:
    part = concise("企业可以获得多少补贴？", SUBSIDY)
    assert part.text == "对年营业收入超过1,000万元的企业，给予一次性补贴1.5万元，但已享受同类补贴的除外。"
    assert not part.whole


def test_numbers_times_and_brackets_are_never_cut() -> None:
    text = "开放时间为每天8:30至17:30，金额1,000.5万元；（一）说明，见附件（表1，表2）。“甲，乙”两项。"
    cut = [text[p.start:p.end] for p in pieces(text)]
    assert cut == ["开放时间为每天8:30至17:30，", "金额1,000.5万元；", "（一）说明，", "见附件（表1，表2）。", "“甲，乙”两项。"]


def test_scene_setting_goes_the_answer_stays() -> None:
    part = concise("培训补贴标准是多少", TRAINING)
    assert part.text == "对参加线上职业技能培训并取得合格证书的劳动者给予补贴，补贴标准为每人每课时10元。"


def test_a_heading_the_question_repeats_gives_way_to_its_body() -> None:
    assert concise("如何加强交通检疫？", QUARANTINE).text == "在机场、火车站、汽车客运站等处设立联合检疫站，对入市人员进行体温检测登记。"


def test_a_numbered_statement_is_not_taken_for_a_heading() -> None:
    text = ("市税务局关于延长申报纳税期限的通告 根据有关规定，现就延长2月份申报纳税期限有关事项通告如下。 一、按月申报的纳税人申报"
            "纳税期限延长至2月28日。 二、对受疫情影响到2月28日仍无法办理纳税申报的纳税人，可以依法申请延期申报。")
    assert "延长至2月28日" in concise("按月申报的纳税人申报期限延长到哪天？", text).text


def test_a_bracket_table_is_shown_whole_unless_the_question_pins_a_row() -> None:
    whole = concise("高龄津贴每月多少钱", ELDERLY).text
    assert whole.startswith("高龄老人津贴按月发放：70至79周岁每月200元") and whole.endswith("100周岁以上每月1000元。")
    assert concise("85岁老人高龄津贴每月多少钱", ELDERLY).text == "高龄老人津贴按月发放：80至89周岁每月300元"
    assert concise("我妈妈102岁了，高龄津贴有多少", ELDERLY).text == "高龄老人津贴按月发放：100周岁以上每月1000元。"


def test_conditions_are_never_a_selection() -> None:
    assert concise("公租房申请要什么条件", HOUSING).whole
    # a list joined by semicolons is kept whole, whichever item matched
    part = concise("公租房对参保年限有什么规定", HOUSING).text
    assert part.startswith("申请人须在深参加养老保险") and part.endswith("不受参保年限限制。")


def test_a_short_passage_or_an_unmatched_question_is_shown_whole() -> None:
    short = "问：租房提取公积金要租房合同吗？ 答：通过自助渠道办理一般不需要租赁合同。"
    assert len(short) <= SHORT_PASSAGE and concise("要合同吗", short).whole
    assert concise("今天天气怎么样", SUBSIDY).whole  # nothing of the question in it: not a fragment picked at random


def test_a_quoted_question_gives_way_to_its_answer() -> None:
    text = ("问：公司开了多久可以申请初创企业补贴？ 答：需要正常经营满6个月以后，由股东先在人社统一平台登记创业，再到区（街道）"
            "公共就业服务机构申请，每人1万元，每家企业最多10万元；所需材料和办理渠道以主管部门最新通知为准。")
    part = concise("公司开了多久可以申请初创企业补贴", text).text
    assert part.startswith("需要正常经营满6个月以后") and "答" not in part[:2]


@pytest.mark.parametrize("question", ["企业可以获得多少补贴？", "补贴资金由谁拨付", "培训补贴标准是多少", "通知什么时候施行",
                                      "如何加强交通检疫？", "高龄津贴每月多少钱", "85岁老人高龄津贴每月多少钱",
                                      "公租房对参保年限有什么规定", "残疾人要参保吗"])
def test_every_character_shown_is_the_passages_in_order(question: str) -> None:
    for passage in (SUBSIDY, TRAINING, QUARANTINE, ELDERLY, HOUSING):
        part = concise(question, passage)
        assert part.text and in_order(part.text, passage), (question, part.text)
        assert part.whole == (part.text == passage.strip())


def test_extraction_is_cheap() -> None:
    passage = (SUBSIDY + TRAINING + HOUSING)[:500]
    concise("企业可以获得多少补贴？", passage)  # warm (OpenCC tables)
    times: List[float] = []
    for _ in range(30):
        start = time.perf_counter()
        concise("企业可以获得多少补贴？", passage)
        times.append(time.perf_counter() - start)
    assert statistics.median(times) < 0.005


# ---- what the chat shows for an answer --------------------------------------------------------------------

def cite(doc_id: str = "CIT-024", article: str = "第二条") -> Citation:
    return Citation(doc_id, "高龄老人津贴", "深圳市民政局", article, "https://www.sz.gov.cn/x", "2024-01-01")


def hit(text: str, chunk: str = "CIT-024#2", doc_id: str = "CIT-024") -> Hit:
    return Hit(chunk_id=chunk, doc_id=doc_id, text=text, score=3.0, citation=cite(doc_id))


def answer(query: str, hits: List[Hit], faq: Optional[FaqMatch] = None) -> Answer:
    return Answer(query=query, faq=faq, hits=hits)


def test_shown_is_the_faq_verbatim_the_concise_passage_or_nothing() -> None:
    faq = FaqMatch("CIT-024", "85岁老人每个月高龄津贴多少？", "80至89周岁每月300元。", 0.9, cite(article="常见问题"))
    assert shown(answer("85岁的老人每月有多少高龄津贴", [hit(ELDERLY)], faq)) == \
        type(shown(answer("x", [hit(ELDERLY)])))("80至89周岁每月300元。", faq.citation, None)
    assert shown(answer("高龄津贴", [])) is None
    part = shown(answer("85岁老人高龄津贴每月多少钱", [hit(ELDERLY)]))
    assert part is not None and part.text == "高龄老人津贴按月发放：80至89周岁每月300元" and part.passage == ELDERLY
    short = shown(answer("公积金", [hit("问：租房提取公积金要租房合同吗？ 答：一般不需要。")]))
    assert short is not None and short.passage is None  # shown whole: nothing behind 查看原文


def test_one_row_the_question_did_not_pin_gives_way_to_the_whole_table() -> None:
    row = hit("问：85岁老人每个月高龄津贴多少？ 答：80至89周岁每月300元。", "CIT-024#8")
    table = hit("高龄老人津贴按月发放：70至79周岁每月200元，80至89周岁每月300元，90至99周岁每月500元，100周岁以上每月1000元。")
    other = hit("重度残疾人护理补贴：每人每月452元，按月发放。", "CIT-028#3", "CIT-028")
    part = shown(answer("高龄津贴每月多少钱", [row, other, table]))
    assert part is not None and part.text == table.text and part.citation == table.citation
    faq = FaqMatch("CIT-024", "85岁老人每个月高龄津贴多少？", "80至89周岁每月300元。", 0.9, cite(article="常见问题"))
    assert shown(answer("高龄津贴每月多少钱", [row, table], faq)).text == table.text  # type: ignore[union-attr]
    assert shown(answer("85岁老人高龄津贴每月多少钱", [row, table], faq)).text == "80至89周岁每月300元。"  # type: ignore[union-attr]
    assert shown(answer("高龄津贴每月多少钱", [row, other])).text == row.text  # type: ignore[union-attr]  # no table to give
