"""The compact match result that card-drawing channels (the web chat) receive with the summary."""

from __future__ import annotations

from actions import match_view

RESULT = {"policy_id": "ENT-011", "title": "商贸业新纳统奖励", "status": "needs_information", "handling": "秒批",
          "met": [{"text": "在龙华区注册登记", "fields": ["registered_district"], "actual": "龙华区"}],
          "not_met": [{"text": "具有独立法人资格", "note": "分支机构不可申请"}],
          "unknown": [{"text": "首次纳统", "missing": ["years_since_stats_first_included"]}],
          "benefit": {"max_amount_wan": 10}}


def test_a_card_item_has_every_condition_with_its_state_and_nothing_else() -> None:
    item = match_view.card_item(RESULT)
    assert item == {"policy_id": "ENT-011", "title": "商贸业新纳统奖励", "status": "needs_information", "handling": "秒批",
                    "benefit": "预计最高 10 万元",
                    "conditions": [{"state": "met", "text": "在龙华区注册登记", "note": None},
                                   {"state": "not_met", "text": "具有独立法人资格", "note": "分支机构不可申请"},
                                   {"state": "unknown", "text": "首次纳统", "note": None}]}


def test_card_items_list_eligible_policies_first_then_a_few_that_need_information() -> None:
    eligible = [{**RESULT, "policy_id": f"E{i}", "status": "eligible", "benefit": {"max_amount_wan": i}} for i in range(7)]
    pending = [{**RESULT, "policy_id": f"P{i}"} for i in range(5)]
    rejected = [{**RESULT, "policy_id": "X", "status": "not_eligible"}]
    ids = [i["policy_id"] for i in match_view.card_items({"results": pending + rejected + eligible})]
    assert ids == ["E6", "E5", "E4", "E3", "E2", "P0", "P1", "P2"]


NEXT = {"field": "rd_expense_wan", "question": "请问贵单位上年度的研发费用是多少万元？", "type": "number", "unit": "万元",
        "top_benefit_wan": 200, "top_policy": "研发投入资助"}


def test_the_count_of_policies_still_open_offers_the_next_step_largest_benefit_first() -> None:
    match = {"summary": {"eligible": 0, "needs_information": 39, "not_eligible": 3}, "eligible": [],
             "results": [], "next_question": NEXT}
    text = match_view.summary_text(match)
    assert text.startswith("另有 39 项还需补充信息才能判断。其中金额最高的是《研发投入资助》，最高 200 万元。")
    assert "想继续核对的话，请点“好的，接着问”" in text and "先从金额大的问起" in text
    assert match_view.next_step_buttons(match) == [match_view.MORE_BUTTON]
    done = {**match, "next_question": None}  # nothing left to ask: no offer, no button
    assert match_view.summary_text(done) == "另有 39 项还需补充信息才能判断。" and match_view.next_step_buttons(done) == []


def test_values_are_repeated_with_their_units() -> None:
    assert match_view.value_text(610, "万元") == "610 万元"
    assert match_view.value_text(80.0, "人") == "80 人"
    assert match_view.value_text(True) == "是" and match_view.value_text(["国家高新技术企业", "专精特新"]) == "国家高新技术企业、专精特新"
    assert match_view.value_text("龙华区") == "龙华区" and match_view.value_text([]) == "无"


def test_a_question_about_one_policy_says_which_and_what_it_may_give() -> None:
    one = {**NEXT, "settles_count": 1}
    assert match_view.question_text(one) == "下面核对《研发投入资助》（最高 200 万元）。\n" + NEXT["question"]
    assert match_view.question_text({**NEXT, "settles_count": 12}) == NEXT["question"]  # a general question
    assert match_view.question_text({**one, "top_benefit_wan": 0}) == NEXT["question"]  # no amount stated


def test_a_coded_option_shows_its_name_and_sends_its_code() -> None:
    question = {"field": "industry_code_gb4754", "type": "list", "examples": ["F51", "H62", "X99"],
                "titles": {"F51": "批发业", "H62": "餐饮业"}}
    buttons = match_view.question_buttons(question)
    assert buttons[:3] == [{"title": "批发业", "payload": "F51"}, {"title": "餐饮业", "payload": "H62"},
                           {"title": "X99", "payload": "X99"}]
