"""A message that is only a one-time code or a bank card number is ``inform``.

Digits carry no words for the classifiers to read: "482913" came out as goodbye in one run and as inform in
another. When the assistant waits for a code or an account (slot ``awaiting``), the rules send ``inform`` to
the action that reads it, so such a message must be ``inform`` every time. Words around the value
(验证码是…, 工商银行…) are allowed; a message with more to say than that is left to the classifiers.
"""

from __future__ import annotations

import re
from typing import Any, Dict, List

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.identity_text import BANKS, bank_account, one_time_code

RANKING = "intent_ranking"
MAX_OTHER_CHARS = 12  # what may stand around the value: 验证码是, 收款账户, 我的银行卡是…
_NOISE = re.compile(r"[\s\d０-９\-－:：,，.。!！、;；()（）]+")


# A bare quantity answering a question (2个月, 3岁, 5000元): a value given, never a request (a form waits for it).
_QUANTITY_ONLY = re.compile(r"^\s*(?:大概|大约|约)?[\d０-９.一二两三四五六七八九十百千万]+\s*"
                            r"(?:个月|周岁|岁|年|天|周|个人|人|名|元|万元|万|块|平方米|平米|㎡|次|项|家)(?:左右|多)?\s*[。.!！]?\s*$")


def written_value_only(text: str) -> bool:
    """True when the message is a one-time code or a bank account with at most a few words around it, or a bare
    quantity with its unit."""
    if _QUANTITY_ONLY.match(text):
        return True
    if not (one_time_code(text) or bank_account(text)):
        return False
    rest = _NOISE.sub("", text)
    for name in BANKS:
        rest = rest.replace(name, "")
    return len(rest) <= MAX_OTHER_CHARS


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class WrittenValueIntent(GraphComponent):
    @classmethod
    def create(cls, config: Dict[str, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> WrittenValueIntent:
        return cls()

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            if written_value_only(message.get(TEXT) or ""):
                ranking = [r for r in message.get(RANKING) or [] if r.get("name") != "inform"]
                message.set(INTENT, {"name": "inform", "confidence": 1.0}, add_to_output=True)
                message.set(RANKING, [{"name": "inform", "confidence": 1.0},
                                      *({**r, "confidence": 0.0} for r in ranking)], add_to_output=True)
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data
