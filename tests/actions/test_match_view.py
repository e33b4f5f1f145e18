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
