"""Entity repair rules and the rating lexicon, on their own (no Rasa model)."""

from typing import Any, Dict, List

from bot import entity_rules, ratings
from bot.components.entity_repair import mention_names
from bot.components.quantity_extractor import QuantityExtractor

NAMES = entity_rules.Gazetteer(mention_names({
    "龙舞华章计划": "ENT-019", "龙舞华章": "ENT-019", "办居住证": "CIT-001", "孵化器房租资助": "ENT-014"}))


def diet(text: str, entity: str, piece: str, value: Any = None) -> Dict[str, Any]:
    start = text.index(piece)
    return {"entity": entity, "start": start, "end": start + len(piece), "value": value or piece,
            "extractor": "DIETClassifier"}


def spans(text: str, entities: List[Dict[str, Any]]) -> List[tuple]:
    return [(e["entity"], text[e["start"]:e["end"]], e.get("value")) for e in entities]


def test_policy_span_snaps_to_the_whole_known_name_with_its_id() -> None:
    text = "龙舞华章计划劳动合同要签几年"
    out = entity_rules.repair(text, [diet(text, "policy", "龙舞华章")], "ask_policy", NAMES)
    assert spans(text, out) == [("policy", "龙舞华章计划", "ENT-019")]


def test_search_aliases_lose_their_leading_verb() -> None:
    assert "办居住证" not in NAMES.names and NAMES.names["居住证"] == "CIT-001"


def test_generic_words_are_not_policies() -> None:
    text = "专精特新的奖励有没有免申的"
    out = entity_rules.repair(text, [diet(text, "policy", "奖励")], "ask_policy", NAMES)
    assert out == []
    text = "单家企业累计最多资助多少"
    assert entity_rules.repair(text, [diet(text, "policy", "多资助")], "ask_policy", NAMES) == []


def test_known_long_names_are_added_but_not_in_off_topic_turns() -> None:
    text = "孵化器房租资助一年最多补多少"
    assert spans(text, entity_rules.repair(text, [], "ask_policy", NAMES)) == [("policy", "孵化器房租资助", "ENT-014")]
    assert entity_rules.repair(text, [], "out_of_scope", NAMES) == []


def test_impossible_spans_are_dropped() -> None:
    text = "12345打进去排队半小时"
    assert entity_rules.repair(text, [diet(text, "date", "12345")], "complain", NAMES) == []
    text = "来个人工吧"
    assert entity_rules.repair(text, [diet(text, "employees", "来个")], "human_handoff", NAMES) == []
    text = "帮我查下去广州南的高铁"
    assert entity_rules.repair(text, [diet(text, "district", "南")], "out_of_scope", NAMES) == []


def test_a_lone_time_word_is_no_date_and_two_characters_are_a_policy_only_when_known() -> None:
    text = "补贴按几个月的房租算"
    assert entity_rules.repair(text, [diet(text, "date", "月")], "ask_policy", NAMES) == []
    text = "宝宝发烧了怎么护理"
    assert entity_rules.repair(text, [diet(text, "policy", "护理")], "out_of_scope", NAMES) == []
    text = "我想办居住证"
    assert spans(text, entity_rules.repair(text, [diet(text, "policy", "居住")], "ask_policy", NAMES)) == \
        [("policy", "居住证", "CIT-001")]
    text = "孵化器房租资助怎么申请"
    assert spans(text, entity_rules.repair(text, [diet(text, "policy", "孵化器房租")], "ask_policy", NAMES,
                                           add_policies=False)) == [("policy", "孵化器房租资助", "ENT-014")]


def test_a_place_is_never_a_company() -> None:
    for text, piece in (("深圳市人才引进补贴2024最新标准", "深圳市"), ("广东省深圳市龙华区有什么企业补贴", "广东省深圳市龙华区"),
                        ("我们在龙华民治街道", "龙华民治街道"), ("前海那边的公司有什么优惠", "前海")):
        assert spans(text, entity_rules.repair(text, [diet(text, "company", piece)], "ask_policy", NAMES)) == [], text
    for text, piece in (("我们是华为的供应商", "华为"), ("深圳湾科技的园区补贴", "深圳湾科技")):
        assert spans(text, entity_rules.repair(text, [diet(text, "company", piece)], "inform", NAMES)) == \
            [("company", piece, piece)], text
    text = "深圳市鹏城智造科技有限公司能申请吗"
    assert spans(text, entity_rules.repair(text, [diet(text, "company", "深圳市")], "check_eligibility", NAMES)) == \
        [("company", "深圳市鹏城智造科技有限公司", "深圳市鹏城智造科技有限公司")]


def test_rating_comes_from_the_lexicon_not_from_a_fragment() -> None:
    text = "说真的 非常不满意，以后不会再用了"
    model = [diet(text, "rating", "非常"), {**diet(text, "rating", "满意"), "start": 6, "end": 8}]
    out = entity_rules.repair(text, model, "rate_service", NAMES)
    assert spans(text, out) == [("rating", "非常不满意", "非常不满意")]


def test_rating_words_in_other_sentences_are_not_ratings() -> None:
    text = "非常谢谢"
    assert entity_rules.repair(text, [diet(text, "rating", "非常")], "thank", NAMES) == []
    text = "一般要多久能批下来"
    assert entity_rules.repair(text, [], "ask_policy", NAMES) == []


def test_a_message_that_is_only_a_rating_is_read_whatever_the_intent() -> None:
    text = "挺不错的"
    assert spans(text, entity_rules.repair(text, [], "affirm", NAMES)) == [("rating", "挺不错的", "满意")]


def test_rating_levels() -> None:
    assert ratings.level_of("差到家了") == "非常不满意"
    assert ratings.level_of("4分") == "满意"
    assert ratings.level_of("五颗星") == "非常满意"
    assert ratings.level_of("不满意") == "不满意"
    assert ratings.find("不好意思") == []
    assert ratings.level_of("高企") == ""


def test_split_company_name_is_joined() -> None:
    text = "我是深圳市华创智能装备有限公司的行政"
    model = [diet(text, "company", "深圳市华创智能"), diet(text, "company", "有限公司")]
    out = entity_rules.repair(text, model, "inform", NAMES)
    assert spans(text, out) == [("company", "深圳市华创智能装备有限公司", "深圳市华创智能装备有限公司")]


def test_a_rejected_value_is_dropped() -> None:
    text = "不对 营收是2.6亿不是一个亿"
    model = [diet(text, "revenue", "2.6亿"), diet(text, "revenue", "一个亿")]
    assert spans(text, entity_rules.repair(text, model, "inform", NAMES)) == [("revenue", "2.6亿", "2.6亿")]


def test_quantity_type_follows_unit_and_cue_word() -> None:
    extractor = QuantityExtractor({"add_missing": False})

    def typed(text: str, entity: str, piece: str) -> List[tuple]:
        return [(e["entity"], text[e["start"]:e["end"]], e["value"]) for e in extractor.annotate(text, [diet(text, entity, piece)])]

    assert typed("研发投入一年八百多万", "revenue", "八百多万") == [("rd_spend", "八百多万", 800)]
    assert typed("注册资金两千万", "revenue", "两千万") == [("amount", "两千万", 2000)]
    assert typed("六百人", "revenue", "六百人") == [("employees", "六百人", 600)]
    assert typed("公司现在700多号人", "employees", "700") == [("employees", "700多号人", 700)]
    assert typed("我们研发费用去年300万", "amount", "300万") == [("rd_spend", "300万", 300)]
    assert typed("新建研发中心每平米支持800元", "rd_spend", "800元")[0][:2] == ("amount", "800元")
    # no cue word: the model's type stands
    assert typed("4500万", "revenue", "4500万") == [("revenue", "4500万", 4500)]


def test_written_shapes_decide_codes_companies_and_dates() -> None:
    text = "我叫张伟身份证44010619950720185x手机13798561204"
    model = [diet(text, "id_number", "13798561204"), diet(text, "employees", "4401061995")]
    assert spans(text, entity_rules.repair(text, model, "inform", NAMES)) == [
        ("id_number", "44010619950720185x", "44010619950720185X"), ("phone", "13798561204", "13798561204")]
    text = "深圳市罗湖区金百福珠宝有限公司 2023年9月入驻"
    model = [diet(text, "district", "罗湖区"), diet(text, "company", "有限公司"), diet(text, "date", "2023年"),
             diet(text, "employees", "9")]
    assert spans(text, entity_rules.repair(text, model, "inform", NAMES)) == [
        ("company", "深圳市罗湖区金百福珠宝有限公司", "深圳市罗湖区金百福珠宝有限公司"), ("date", "2023年9月", "2023年9月")]


def test_whole_spans_for_qualifications_and_quantities() -> None:
    text = "我们是国家高新 研发投入1200万能申吗"
    model = [diet(text, "qualification", "高新"), diet(text, "rd_spend", "1200万能")]
    assert [(e, s) for e, s, _ in spans(text, entity_rules.repair(text, model, "inform", NAMES))] == [
        ("qualification", "国家高新"), ("rd_spend", "1200万")]
    text = "员工两百三十人"
    model = [diet(text, "employees", "两百"), diet(text, "employees", "三十人")]
    assert [(e, s) for e, s, _ in spans(text, entity_rules.repair(text, model, "inform", NAMES))] == [
        ("employees", "两百三十人")]


def test_dates_are_found_without_the_model_but_durations_are_not_dates() -> None:
    text = "去年10月交的材料 做了6个月 缴费满了18年"
    assert [s for _, s, _ in spans(text, entity_rules.repair(text, [], "complain", NAMES))] == ["去年10月"]


def test_a_street_is_no_company_and_a_whole_name_takes_nothing_after_it() -> None:
    text = "福城街道有公租房房源吗"
    assert spans(text, entity_rules.repair(text, [diet(text, "company", "福城")], "ask_policy", NAMES)) == []
    text = "深圳市金石智能装备有限公司想申报技术改造补贴"
    model = [diet(text, "company", "深圳市金石智能装备有限公司"), diet(text, "company", "申报技术改造")]
    assert spans(text, entity_rules.repair(text, model, "ask_policy", NAMES)) == [
        ("company", "深圳市金石智能装备有限公司", "深圳市金石智能装备有限公司")]
    # the registered name starts at the second 深圳市, not at the place the question begins with
    text = "深圳市有什么政策适合深圳市致远软件有限公司"
    model = [diet(text, "company", "深圳市有什么政策适合深圳市致远软件有限公司")]
    assert spans(text, entity_rules.repair(text, model, "find_policies", NAMES)) == [
        ("company", "深圳市致远软件有限公司", "深圳市致远软件有限公司")]
