"""Normalise amounts, head counts and months in the entities the other extractors found.

A blank spaCy Chinese pipeline (jieba segmenter, no model to download) runs a Matcher that finds
quantity spans; every `revenue`, `rd_spend`, `amount`, `employees` or `date` entity that overlaps one takes
the whole quantity as its span (700 | 多号人 -> 700多号人, 2023年 | 6月 -> 2023年6月) and gets a comparable
value (万元, a count, YYYY-MM). The type follows the unit and the cue word before it, as people mean it:
六百人 is a head count whatever the model said, 研发投入1.3亿 is R&D spend, 注册资金两千万 an amount.
A quantity that no extractor caught is added when a cue word says what it is.
"""

from __future__ import annotations

import re
from typing import Any, Dict, List, Optional, Set, Tuple

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot import quantities

NUMERIC_ENTITIES = {"revenue": "money", "rd_spend": "money", "amount": "money", "employees": "count"}
CUES = {"revenue": ("营收", "收入", "营业额", "销售额", "产值"), "rd_spend": ("研发", "研发费", "研发费用", "研发投入"),
        "employees": ("员工", "职工", "人数", "员工数"),
        "amount": ("注册资金", "注册资本", "奖", "补", "资助", "贴", "最高", "最多", "给", "拿", "领", "发",
                   "贷款", "利息", "租金", "房租", "金额", "合同", "投资", "价", "费", "支持")}
CLAUSE_END = re.compile(r"[，,。；;！!？?\s]")
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


def _merge_same(entities: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
    """After widening, two pieces of one quantity overlap: keep the first of each type and span."""
    kept: List[Dict[str, Any]] = []
    for entity in entities:
        twin = next((k for k in kept if k["entity"] == entity["entity"]
                     and k["start"] < entity["end"] and entity["start"] < k["end"]), None)
        if twin is None:
            kept.append(entity)
        else:
            twin["start"], twin["end"] = min(twin["start"], entity["start"]), max(twin["end"], entity["end"])
    return kept


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
        used: Set[Tuple[int, int]] = set()
        for entity in entities:
            if entity["entity"] == "date":
                self._snap(entity, [s for s in spans if s.kind == "month"], used)
                month = quantities.parse_month(text[entity["start"]:entity["end"]])
                if month:
                    entity["value"] = month
                continue
            if entity["entity"] not in NUMERIC_ENTITIES:
                continue
            quantity = self._snap(entity, [s for s in spans if s.kind != "month"], used)
            entity["entity"] = self._retype(text, entity, quantity)
            value = quantities.normalise(NUMERIC_ENTITIES[entity["entity"]], text[entity["start"]:entity["end"]])
            if value is not None:
                entity["value"] = value
        entities = _merge_same(entities)
        if self._config.get("add_missing", True):
            entities.extend(self._missing(text, spans, used, entities))
        return entities

    @staticmethod
    def _snap(entity: Dict[str, Any], spans: List[quantities.Quantity], used: set) -> Optional[quantities.Quantity]:
        """Widen the entity to the quantities it overlaps; the widest one is returned."""
        best = None
        for span in spans:
            if span.start < entity["end"] and entity["start"] < span.end:
                entity["start"], entity["end"] = min(span.start, entity["start"]), max(span.end, entity["end"])
                used.add((span.start, span.end))
                if best is None or span.end - span.start > best.end - best.start:
                    best = span
        return best

    def _retype(self, text: str, entity: Dict[str, Any], quantity: Optional[quantities.Quantity]) -> str:
        name: str = entity["entity"]
        kind = quantity.kind if quantity else quantities.classify(text[entity["start"]:entity["end"]])
        if kind == "count":
            return "employees"
        if name == "employees" and kind != "money":
            return name
        clause = CLAUSE_END.split(text[max(0, entity["start"] - 12):entity["start"]])[-1]
        cue = self._cue(clause, "money", with_amount=True, with_employees=kind != "money")
        return cue or ("amount" if name == "employees" else name)
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
    def _cue(before: str, kind: str, with_amount: bool = False, with_employees: bool = False) -> Optional[str]:
        """The entity named by the cue word nearest before a quantity (营收 -> revenue, 研发 -> rd_spend)."""
        if kind == "count":
            return "employees"
        if kind not in ("money", "number"):
            return None
        # the cue word that ends nearest the quantity wins; on a tie the longer word (研发 over 发)
        best, key = None, (-1, 0)
        for name, words in CUES.items():
            if (name == "employees" and not with_employees) or (name == "amount" and not with_amount):
                continue
            for word in words:
                at = before.rfind(word)
                if at >= 0 and (at + len(word), len(word)) > key:
                    best, key = name, (at + len(word), len(word))
        return best

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            text = message.get(TEXT)
            if text:
                message.set(ENTITIES, self.annotate(text, list(message.get(ENTITIES, []))), add_to_output=True)
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data
