"""A message that is only a code or an account number is `inform`, whatever the classifiers made of it."""

from __future__ import annotations

import pytest
from rasa.shared.nlu.constants import INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.components.written_values import WrittenValueIntent, written_value_only


@pytest.mark.parametrize("text", ["482913", "验证码是 628104", "收到了，318406", "０９３７１５",
                                  "工商银行 6222 0212 3456 7890 123", "对公账户 44201501100052512345 建设银行深圳分行",
                                  "2个月", "3岁", "大概5000元", "两百人左右"])
def test_a_bare_code_or_account_is_recognised(text: str) -> None:
    assert written_value_only(text)


@pytest.mark.parametrize("text", ["研发费用123456元，员工50人，注册在龙华区，想看看能申请什么", "我要申请高新技术企业认定奖励",
                                  "2026年12月", "电话13812345678", "身份证440309194803150023", "12345", "1234567",
                                  "下个月有什么能申报", "3月份截止的有哪些"])
def test_words_or_other_numbers_are_left_to_the_classifiers(text: str) -> None:
    assert not written_value_only(text)


def test_the_intent_is_overridden_and_the_ranking_kept() -> None:
    message = Message({TEXT: "482913", INTENT: {"name": "goodbye", "confidence": 0.8},
                       "intent_ranking": [{"name": "goodbye", "confidence": 0.8}, {"name": "inform", "confidence": 0.1}]})
    other = Message({TEXT: "再见", INTENT: {"name": "goodbye", "confidence": 0.8}})
    WrittenValueIntent().process([message, other])
    assert message.get(INTENT) == {"name": "inform", "confidence": 1.0}
    assert [r["name"] for r in message.get("intent_ranking")] == ["inform", "goodbye"]
    assert other.get(INTENT)["name"] == "goodbye"
