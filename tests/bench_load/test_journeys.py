"""bench/load's journeys: the shipped file parses, placeholders fill as a user would answer, and the rules
of what counts as a failed turn."""

from __future__ import annotations

import random

import pytest

from bench.load import journeys as j


def test_the_shipped_journeys_parse_and_cover_every_kind_of_turn() -> None:
    loaded = j.load()
    kinds = {step.type for journey in loaded for step in journey.steps}
    assert {"question", "follow_up", "match_start", "match_answer", "bind_code", "apply", "apply_confirm",
            "rating"} <= kinds
    assert all(journey.weight > 0 for journey in loaded)
    binding = [journey for journey in loaded if any(s.type == "bind_code" for s in journey.steps)]
    assert binding and all("subject" in v for journey in binding for v in journey.variants)


def test_a_step_with_options() -> None:
    data = {"journeys": [{"name": "x", "variants": [{"q": "生育津贴怎么领"}], "steps": [
        {"question": "{q}"},
        {"match_answer": {"match_answer": "{answer}", "until": "matches", "max": 3}},
        {"rating": {"rating": ["满意", "非常满意"], "expect": "text:感谢"}}]}]}
    (journey,) = j.parse(data)
    question, answer, rating = journey.steps
    assert question == j.Step("question", ("{q}",), "cited")
    assert (answer.until, answer.max, answer.expect) == ("matches", 3, "any")
    assert rating.messages == ("满意", "非常满意") and rating.expect == "text:感谢"


@pytest.mark.parametrize("data, words", [
    ({}, "journeys"),
    ({"journeys": [{"name": "x", "steps": [{"chitchat": "你好"}]}]}, "unknown turn type"),
    ({"journeys": [{"name": "x", "steps": [{"question": "{q}"}]}]}, "not in every variant"),
    ({"journeys": [{"name": "x", "steps": [{"bind_code": "{code}"}]}]}, "needs a subject"),
    ({"journeys": [{"name": "x", "steps": [{"question": {"question": "a", "expect": "cool"}}]}]}, "unknown expect"),
    ({"journeys": [{"name": "x", "steps": [{"question": {"question": "a", "until": "done"}}]}]}, "until"),
    ({"journeys": [{"name": "x", "weight": 0, "steps": [{"question": "a"}]}]}, "weight"),
    ({"journeys": [{"name": "x", "steps": [{"question": "a", "rating": "b"}]}]}, "a step is"),
])
def test_what_the_parser_refuses(data: dict, words: str) -> None:
    with pytest.raises(j.JourneyError, match=words):
        j.parse(data)


def test_fill_answers_with_an_option_or_a_fitting_typed_answer() -> None:
    rng = random.Random(1)
    offered = [{"text": "请问贵单位在深圳哪个区注册登记？", "buttons": [
        {"title": "龙华区", "payload": "龙华区"}, {"title": "转人工", "payload": "/human_handoff"}]}]
    assert j.fill("{answer}", {}, offered, None, rng) == "龙华区"  # never an intent button
    assert j.fill("{answer}", {}, [{"text": "请问您今年多大年龄（周岁）？"}], None, rng) == "35岁"
    assert j.fill("{answer}", {}, [{"text": "请问贵单位有多少名员工？"}], None, rng) == "80人"
    assert j.fill("{answer}", {}, [{"text": "请问数量？"}], None, rng) == j.DEFAULT_TYPED_ANSWER
    assert j.fill("统一社会信用代码 {subject}", {"subject": "91440309MA5H2KQ3XC"}, [], None, rng) == \
        "统一社会信用代码 91440309MA5H2KQ3XC"
    assert j.fill("{code}", {}, [], "123456", rng) == "123456"


def test_fill_taps_a_button_only_when_it_is_offered() -> None:
    rng = random.Random(1)
    form = [{"text": "将为…申报", "buttons": [{"title": "一键申报", "payload": "/affirm"},
                                                 {"title": "先不报", "payload": "/deny"}]}]
    assert j.fill("{button:一键申报}", {}, form, None, rng) == "/affirm"
    assert j.fill("{button:申报：}", {}, form, None, rng) is None


def test_what_counts_as_a_failed_turn() -> None:
    cited = [{"text": "奖励10万元。"}, {"custom": {"citations": [{"doc_id": "ENT-056"}]}}]
    assert j.failure(cited, "cited") is None
    assert j.failure([{"text": "奖励10万元。"}], "cited") == "unexpected"
    assert j.failure([], "any") == "empty"
    assert j.failure({"error": "x"}, "any") == "empty"
    assert j.failure([{"text": ""}], "any") == "empty"
    assert j.failure([{"text": "抱歉，政策计算服务暂时连不上，请稍后再试，或说“转人工”。"}], "any") == "apology"
    assert j.failure([{"text": "抱歉，我在现有政策里没有找到相关内容。"}, cited[1]], "cited") == "apology"
    # the opening of a bad-rating reply is polite, not a failure
    assert j.failure([{"text": "很抱歉这次没让您满意。已为您登记回访，工单号 GD1"}], "text:工单号") is None
    assert j.failure([{"custom": {"type": "matches", "eligible": []}}], "matches") is None
    assert j.failure([{"text": "请问贵单位在哪个区？"}], "matches") == "unexpected"
    assert j.failure([{"custom": {"type": "application", "status": "approved"}}], "application") is None


def test_pick_follows_the_weights() -> None:
    heavy = j.Journey("heavy", 9, (j.Step("question", ("a",), "cited"),))
    light = j.Journey("light", 1, (j.Step("question", ("b",), "cited"),))
    rng = random.Random(7)
    picked = [j.pick([heavy, light], rng)[0].name for _ in range(2000)]
    assert 0.85 < picked.count("heavy") / len(picked) < 0.95
