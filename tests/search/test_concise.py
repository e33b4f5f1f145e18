"""Concise answers: the part of a passage that answers, never cut inside a number, a condition or a table row,
every character from the passage."""

from __future__ import annotations

from typing import List, Optional

import pytest

from search.concise import (
    SHORT_PASSAGE,
    concise,
    pieces,
    shown,
    slot,
    unnumbered,
    unrepeated,
    without_purpose,
    without_restated_tail,
)
from search.types import Answer, Citation, FaqMatch, Hit

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


# the extraction's cost is measured, not asserted here: `policybot eval answers` reports extract_ms (p50, p95)
# and the CPU per answer on the NCP set (a timed unit test fails on a busy machine, not on slow code)


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


# ---- the words that answer, inside the clause ------------------------------------------------------------------

COUNT = ("据不完全统计，江苏省交通运输行业已成立临时党支部30多个，党员突击队300余个，每天有4.4万名交通干部职工奋战在防疫一线，"
         "其中党员有8000多名。各地交通部门还组织志愿者服务队，为返程旅客提供测温、咨询等服务，保障春运返程平稳有序。")
INSURANCE = ("二、自2020年2月起，湖北省可免征各类参保单位（不含机关事业单位）三项社会保险单位缴费部分，免征期限不超过5个月。 三、受疫情"
             "影响生产经营出现严重困难的企业，可申请缓缴社会保险费，缓缴期限原则上不超过6个月，缓缴期间免收滞纳金。")


def test_a_question_for_one_figure_gets_what_stands_where_its_question_word_is() -> None:
    assert slot("每天有4.4万名交通干部职工奋战在防疫一线", "江苏省每天有多少名交通干部职工奋战在防疫一线？") == "4.4万名"
    part = concise("江苏省每天有多少名交通干部职工奋战在防疫一线？", COUNT)
    assert part.text == "4.4万" and not part.whole  # the measure word the question repeats (名) goes too


def test_the_kind_of_figure_asked_for_picks_the_clause() -> None:
    # a duration for 多久, not the date the measure starts
    assert concise("湖北省免征参保单位社保缴费期限为多久？", INSURANCE).text == "不超过5个月"


@pytest.mark.parametrize("question, text", [
    ("湖北武汉开放了几个方舱医院？", "中央还安排了19个省份采取“一省包一市”的方式来对口支援湖北省。"),  # never 9个 out of 19个
    ("辽宁省有多少户规模以上工业企业恢复开工？", "截至2月13日24时，老工业基地辽宁省已有4262户规模以上工业企业恢复开工。"),  # 截至…
    ("支持哪几种企业复工？", "支持饲料企业、畜禽养殖企业加快复工复产"),  # never an item out of a list
    ("可延期缴纳税款多久？", "受疫情影响的中小企业可延期缴纳税款3个月，但已享受缓缴政策的除外。"),  # the exception stays
    ("哪个部门可以收取滞纳金？", "税务部门在延期期间不收取滞纳金"),  # the negation stays
    ("可申请缓缴社会保险费多长时间？", "缓缴期限原则上不超过6个月；缓缴期间免收滞纳金"),  # a list joined by ；
    ("捐赠的进口物资免征哪个税种？", "免征进口关税和进口环节增值税、消费税。"),  # never half of what 和 joins
    ("上海市群众在哪里上报疫情防控工作问题建议？",  # the words next to 哪里 (群众在, 上报) are not next to the answer
     "上海市16个区级融媒体中心全部开通疫情防控工作问题建议征集渠道，面向群众征集疫情防控工作问题建议。"),
])
def test_the_slot_never_drops_a_number_a_condition_a_list_item_an_exception_or_a_negation(question: str, text: str) -> None:
    assert slot(text, question) == text


def test_list_numbers_and_labels_go_numbers_stay() -> None:
    assert unnumbered("二、自2020年2月起实行") == "自2020年2月起实行"
    assert unnumbered("（三）保障用人单位正常生产经营秩序") == "保障用人单位正常生产经营秩序"
    assert unnumbered("五是企业应落实日报告制度") == "企业应落实日报告制度"
    assert unnumbered("2.5万元的补贴") == "2.5万元的补贴"  # a decimal, not a list number


def test_a_last_clause_that_only_says_what_for_goes_unless_the_question_asks_why() -> None:
    text = "海关在各个通关现场都开通了防疫物资受理专窗和绿色通道，确保物资通关“零延时”。"
    assert without_purpose(text, "进口防疫物资如何通关？") == "海关在各个通关现场都开通了防疫物资受理专窗和绿色通道"
    assert without_purpose(text, "为什么开通绿色通道？") == text
    assert without_purpose("开通绿色通道，避免不得不排队的情况。", "如何通关？") == "开通绿色通道，避免不得不排队的情况。"


def test_the_questions_words_at_the_start_go_only_before_a_predicate() -> None:
    assert unrepeated("健康证明可以通过省政府网站、四川政务服务网等多渠道申报。", "四川健康证明申报渠道有哪些？") == \
        "可以通过省政府网站、四川政务服务网等多渠道申报。"
    for text, question in [("对参加疫情防治工作的医务人员和防疫工作者给予补助。", "对参加疫情防治工作的人员有什么补助？"),
                           ("人力资源服务机构要创新服务方式。", "人力资源部门如何创新服务方式？"),  # never inside a name
                           ("企业和个人通过公益性社会组织或者国家机关捐赠的现金和物品，允许全额扣除。", "企业和个人通过公益性社会组织捐赠如何扣除？")]:
        assert unrepeated(text, question) == text


@pytest.mark.parametrize("question", ["江苏省每天有多少名交通干部职工奋战在防疫一线？", "湖北省免征参保单位社保缴费期限为多久？",
                                      "缓缴期限是多长时间", "哪个部门牵头", "党员有多少名"])
def test_what_the_new_steps_show_is_the_passages_in_order(question: str) -> None:
    for passage in (COUNT, INSURANCE, SUBSIDY, ELDERLY, HOUSING):
        part = concise(question, passage)
        assert part.text and in_order(part.text, passage), (question, part.text)


def test_the_slot_stays_out_of_titles_and_a_figure_answer_starts_with_its_figure() -> None:
    # 龙华区 inside the title is no anchor: the verb before the title stays
    text = "需满足《深圳市龙华区推动上市企业三年倍增若干措施》第三条的主体要求。"
    assert slot(text, "龙华区的企业冲IPO，区政府一共能补多少钱") == text
    # 签|订 is one word: what follows the question's 签 is not the figure
    text = "须与龙华区内单位签订3年及以上的连续劳动（聘用）合同并全职在岗"
    assert slot(text, "龙舞华章人才补贴要求跟单位签几年合同？") == text


def test_a_last_clause_of_the_questions_words_goes_unless_a_condition_governs_it() -> None:
    text = "各地将加快发放一次性防疫补贴，每家企业最高5万元，在复工复产中予以支持。"
    assert without_restated_tail(text, "各地在复工复产中予以什么支持？") == "各地将加快发放一次性防疫补贴，每家企业最高5万元"
    governed = "对在疫情防控阻击战中作出突出贡献的企业，在经营业绩考核中予以加分奖励。"
    assert without_restated_tail(governed, "哪些企业可在经营业绩考核中予以加分奖励？") == governed


def test_a_list_number_is_no_figure() -> None:
    # "2." numbers the item: the clause holding only it and the year the question gives says nothing new
    text = ("2.对2020年新增的全省疫情防控重点保障企业专项再贷款，在中央财政按人民银行再贷款利率的50%给予贴息的基础上，省财政统筹资金"
            "再给予25%的贴息支持，贴息期限不超过1年。对疫情防控重点保障企业给予稳岗补贴和创业担保贷款支持。")
    assert "25%" in concise("对2020年新增的全省疫情防控重点保障企业专项再贷款，江西省决定再给予多少贴息支持？", text).text


def test_a_question_for_one_figure_gets_the_figure_next_to_its_words() -> None:
    from search.concise import asked_figure

    assert asked_figure("全区口罩企业全部投产后每日产能可达400万只。", "口罩企业投产后产能有多少？") == "400万只"
    # figures of different kinds: the one whose words the question has (3000件 of 防护服, not 20万个 of 口罩)
    output = "全区口罩日产量达到20万个（其中医用口罩日产量5万个）、防护服日产量3000件。"
    assert asked_figure(output, "防护服日产量有多少？") == "3000件"
    assert asked_figure("全区已在212所医疗机构开设发热门诊。", "有多少所医疗机构开设了发热门诊") == "212所"
    # the unit the question names decides between figures
    assert asked_figure("区里出台了5个方面16条措施。", "区里出台了多少条措施") == "16条"
    # a run of phone numbers is one answer, a verb before 至 stays with the date
    assert asked_figure("可拨打咨询专线2518363、2518690或登录网站咨询。", "咨询电话是多少") == "2518363、2518690"
    assert asked_figure("按月申报的纳税期限延长至2月28日。", "纳税期限延长到哪天") == "延长至2月28日"
    assert asked_figure("网上申报率超过99.6%，较上月提高3个百分点。", "网上申报率有多少") == "超过99.6%"


def test_the_figure_alone_never_drops_what_qualifies_it() -> None:
    from search.concise import asked_figure

    for text, question in [
        ("截至2月13日，全区已有426户企业恢复开工。", "有多少户企业恢复开工"),  # a condition the question did not state
        ("对年营业收入超过1,000万元的企业，给予一次性补贴1.5万元。", "给予多少补贴"),
        ("给予一次性补贴1.5万元，但已享受同类补贴的除外。", "给予多少补贴"),  # an exception after it
        ("70至79周岁每月200元。", "高龄津贴每月多少钱"),  # a row of a table keeps its bracket
        ("企业可以获得补贴，具体金额以通知为准。", "企业可以获得多少补贴"),  # no figure
        ("第一批补贴500万元，第二批补贴500万元。", "补贴多少钱"),  # two figures fit as well
        ("如何申请补贴？补贴标准为每人1000元。", "如何申请每人1000元的补贴"),  # asks how
        # several figures of the kind asked for: which one is meant is the text's to say, not a guess
        ("全区口罩日产量达到20万个（其中医用口罩日产量5万个）、防护服日产量3000件。", "口罩日产量有多少？"),
        ("工业设计中心按核定总投入的50%资助。", "按投入多少比例补，封顶多少"),  # two figures asked, one found
        ("在主板上市的奖励1000万元，在科创板上市的奖励500万元。", "在科创板上市奖多少"),
        ("区里共有12个街道，其中8个街道开设了便民服务站。", "有几个街道开设了便民服务站"),
        ("可申请房租资助，每年封顶额分30万元、20万元、10万元三档。", "房租每年能资助多少"),  # tiers
        ("按已付利息的20%计算，每家企业每年最高300万元。", "利息能贴多少"),  # a cap goes with it
        ("硕士每人每月2500元，博士每人每月4500元。", "博士和硕士每月补贴差多少"),  # a comparison
        ("纸质材料在9月22日至26日提交。", "纸质材料什么时候交"),  # a range of dates
        ("申请人需在深圳连续居住满8年。", "迁户口要分几步走"),  # 几步 is no figure this reading knows
        ("合伙创业的额度以个人上限相加后的110%为限。", "创业担保贷款额度上限多少"),  # an amount asked, a share found
        ("第三方资料称初中每生每年最高9000元，以当期公布为准。", "学位补贴最多能抵多少"),  # said with a caveat
    ]:
        assert asked_figure(text, question) == text, (text, question)


def test_a_count_of_measures_is_a_figure_question() -> None:
    from search.concise import asked_figure

    text = "区政府近日出台支持中小企业的4个方面16条措施"
    assert asked_figure(text, "区里出台了多少条措施支持中小企业") == "16条"
    assert asked_figure(text, "区里出台了哪些措施支持中小企业") == text  # asks what, not how many


def test_datelines_speakers_and_responsible_departments_go() -> None:
    from search.concise import without_byline

    assert without_byline("新华社北京2月14日电（记者 张三）审计署14日要求，各级审计机关及时督促整改。") == (
        "审计署14日要求，各级审计机关及时督促整改。")
    assert without_byline("区人社局副局长李四明确：休息职工按劳动合同正常支付工资。") == "休息职工按劳动合同正常支付工资。"
    assert without_byline("启动市场监测日报制度，每天及时上报市场供应情况。（责任单位：市农业农村局、市商务局）") == (
        "启动市场监测日报制度，每天及时上报市场供应情况。")
    # too little would be left, or the bracket is part of the text
    assert without_byline("李四表示：同意。") == "李四表示：同意。"
    assert without_byline("单位名称：区青少年发展基金会，开户行：区工商银行") == "单位名称：区青少年发展基金会，开户行：区工商银行"
    assert without_byline("补贴标准为每人1000元（含社保补贴）。") == "补贴标准为每人1000元（含社保补贴）。"
    assert without_byline("申请请咨询区人力资源局（区就业服务中心）。") == "申请请咨询区人力资源局（区就业服务中心）。"


def test_a_question_for_which_things_gets_the_list_that_names_them() -> None:
    from search.concise import concise, listed_items

    text = "区里优先保障救护车辆、防疫车辆和运送民生物资等车辆通行；对擅自设卡拦截的，依法处置。"
    assert listed_items(text, "哪些人员优先通行？") == text  # the question's noun is not the list's
    assert listed_items(text, "区里优先保障哪些车辆？") == "救护车辆、防疫车辆和运送民生物资等车辆"
    assert listed_items("同时协调公安、商务和城建等部门为配送车辆开辟绿色通道。", "协调哪几个部门开辟绿色通道") == "公安、商务和城建等部门"
    assert listed_items("要做好口罩、防护服等防控物资的储备，确保供应。", "要做好哪些防控物资的储备") == "口罩、防护服等防控物资"
    # the whole passage is short: only the list goes through
    assert concise("协调哪几个部门开辟绿色通道", "同时协调公安、商务和城建等部门为配送车辆开辟绿色通道。").text == "公安、商务和城建等部门"


def test_a_list_is_never_taken_from_its_condition_or_for_measures() -> None:
    from search.concise import listed_items

    for text, question in [
        ("对受疫情影响的企业，免收房租、水费、电费等费用。", "免收哪些费用"),  # a condition the question did not state
        ("免收房租、水费、电费等费用，但国有企业除外。", "免收哪些费用"),  # an exception after it
        ("实行错峰上班、居家办公、网络办公等措施。", "采取了哪些措施"),  # measures: clauses, not names
        ("包括房租、水费、电费，以及其他费用。", "免收哪些费用"),  # no 等 before the question's noun
    ]:
        assert listed_items(text, question) == text, (text, question)


def test_a_signature_date_answers_when_the_notice_was_issued() -> None:
    from search.concise import asked_figure

    text = "请及时向区税务局报告。 区税务局           2020年2月17日"
    assert asked_figure(text, "区税务局什么时间发布的通知？") == "2020年2月17日"
    assert asked_figure(text, "市财政局什么时间发布的通知？") == text  # signed by someone else: nothing next to it


def test_the_figure_keeps_its_bound_its_rate_and_its_range() -> None:
    from search.concise import asked_figure

    assert asked_figure("补贴标准为每人每课时10元。", "补贴标准是多少") == "每人每课时10元"
    assert asked_figure("单户最高可贷500万元，重点企业还可享受利率优惠。", "单户可贷多少") == "最高可贷500万元"
    assert asked_figure("实际税负可下降至5%到8.4%。", "实际税负可下降多少") == "下降至5%到8.4%"
    assert asked_figure("租金标准为1000元/月，按季度缴纳。", "租金标准是多少") == "1000元/月"


def test_leading_clauses_the_question_already_said_go() -> None:
    from search.concise import without_restated_lead

    text = "对积极复工复产的企业和新开工的项目，利用区工业发展专项资金，给予适当补助。"
    assert without_restated_lead(text, "区里对积极复工复产的企业和新开工的项目有何政策") == "利用区工业发展专项资金，给予适当补助。"
    # a condition the question did not say, a figure or a negation it does not have: all stays
    assert without_restated_lead(text, "区里对企业有何政策") == text
    figure = "对营业收入超过1000万元的企业和新开工的项目，给予适当补助。"
    assert without_restated_lead(figure, "对营业收入超过的企业和新开工的项目有何政策") == figure
    negated = "对未复工复产的企业和新开工的项目，给予适当补助。"
    assert without_restated_lead(negated, "对复工复产的企业和新开工的项目有何政策") == negated
