"""Normalise amounts, head counts and months in the entities the other extractors found.

A blank spaCy Chinese pipeline (jieba segmenter, no model to download) runs a Matcher that finds
quantity spans; every `revenue`, `rd_spend`, `amount`, `employees` or `date` entity that overlaps one gets
a comparable value (万元, a count, YYYY-MM). A quantity that no extractor caught is added when a cue word
before it says what it is (营收… -> revenue, 研发… -> rd_spend, 员工/人 -> employees).
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot import quantities

NUMERIC_ENTITIES = {"revenue": "money", "rd_spend": "money", "amount": "money", "employees": "count"}
CUES = {"revenue": ("营收", "收入", "营业额", "销售额", "产值"), "rd_spend": ("研发",),
        "employees": ("员工", "职工", "人数", "员工数")}
NUM = r"^[\d.,零〇一二两俩三四五六七八九十百千万亿半壹贰叁肆伍陆柒捌玖拾佰仟萬億wW]+$"


def build_matcher() -> Any:
    import spacy
    from spacy.matcher import Matcher

    nlp = spacy.blank("zh", config={"nlp": {"tokenizer": {"segmenter": "jieba"}}})
    matcher = Matcher(nlp.vocab)
    unit = {"TEXT": {"REGEX": r"^(万|万元|亿|亿元|元|块|块钱|w|W|萬|億|人|名|号人|个人|位|%|％|个点)$"}}
    approx = {"TEXT": {"IN": ["来", "多", "余", "几", "左右", "个", "号"]}, "OP": "*"}
    matcher.add("QUANTITY", [
        [{"TEXT": {"REGEX": NUM}}, approx, unit],
        [{"TEXT": {"REGEX": NUM + "|^.*[万亿萬億wW]$"}}],
        [{"TEXT": "百分之"}, {"TEXT": {"REGEX": NUM}}],
    ], greedy="LONGEST")
    matcher.add("MONTH", [[{"TEXT": {"REGEX": r"^(本月|这个月|下个月|下月|上个月|当月|\d{4}年|\d{1,2}月)$"}},
                           {"TEXT": {"REGEX": r"^\d{1,2}月$"}, "OP": "?"}]], greedy="LONGEST")
    return nlp, matcher


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=False)
class QuantityExtractor(GraphComponent):
    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        return {"add_missing": True}

    def __init__(self, config: Dict[str, Any]) -> None:
        self._config = config
        self._nlp, self._matcher = build_matcher()

    @classmethod
    def create(cls, config: Dict[str, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> QuantityExtractor:
        return cls(config)

    def spans(self, text: str) -> List[quantities.Quantity]:
        doc = self._nlp(text)
        found = []
        for match_id, start, end in self._matcher(doc):
            span = doc[start:end]
            label = self._nlp.vocab.strings[match_id]
            kind = "month" if label == "MONTH" else quantities.classify(span.text) or "number"
            found.append(quantities.Quantity(kind, 0.0, span.start_char, span.end_char, span.text))
        return found

    def annotate(self, text: str, entities: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
        spans = self.spans(text)
        used = set()
        for entity in entities:
            if entity["entity"] == "date":
                month = quantities.parse_month(entity.get("value") or text[entity["start"]:entity["end"]])
                if month:
                    entity["value"] = month
                continue
            kind = NUMERIC_ENTITIES.get(entity["entity"])
            if kind is None:
                continue
            raw = text[entity["start"]:entity["end"]]
            for span in spans:
                if span.start < entity["end"] and entity["start"] < span.end:
                    raw = text[min(span.start, entity["start"]):max(span.end, entity["end"])]
                    used.add((span.start, span.end))
            value = quantities.normalise(kind, raw)
            if value is not None:
                entity["value"] = value
        if self._config.get("add_missing", True):
            entities.extend(self._missing(text, spans, used, entities))
        return entities

    def _missing(self, text: str, spans: List[quantities.Quantity], used: set,
                 entities: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
        have = {e["entity"] for e in entities}
        added = []
        for span in spans:
            if (span.start, span.end) in used or span.kind in ("month", "percent"):
                continue
            name = self._cue(text[max(0, span.start - 8):span.start], span.kind)
            if name is None or name in have:
                continue
            value = quantities.normalise(NUMERIC_ENTITIES[name], span.text)
            if value is None:
                continue
            have.add(name)
            added.append({"entity": name, "start": span.start, "end": span.end, "value": value,
                          "confidence_entity": 0.9, "extractor": "QuantityExtractor"})
        return added

    @staticmethod
    def _cue(before: str, kind: str) -> Optional[str]:
        if kind == "count":
            return "employees"
        if kind not in ("money", "number"):
            return None
        best, pos = None, -1
        for name, words in CUES.items():
            if name == "employees":
                continue
            for word in words:
                at = before.rfind(word)
                if at > pos:
                    best, pos = name, at
        return best

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            text = message.get(TEXT)
            if text:
                message.set(ENTITIES, self.annotate(text, list(message.get(ENTITIES, []))), add_to_output=True)
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data
