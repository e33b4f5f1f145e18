"""Rules that repair what the statistical extractor gets wrong on closed or well-formed entities.

DIET tags spans token by token, so it splits names (深圳市华创智能 | 有限公司), stops short (龙舞华章 for
龙舞华章计划), tags generic words as policies (资助, 申请) and intensifiers as ratings (非常). Names of
policies and rating expressions are closed lists, so a lexicon decides their spans and values; the
other rules only remove or join what cannot be an entity. Pure functions: tested without Rasa.
"""

from __future__ import annotations

import re
from typing import Any, Dict, Iterable, List, Optional

from bot import patterns, ratings
from bot.gazetteer import Gazetteer

Entity = Dict[str, Any]

# Words that never name one policy on their own (补贴 alone is a category of help, not an item).
GENERIC_POLICY_WORDS = {
    "补贴", "补助", "奖励", "资助", "扶持", "支持", "申请", "申报", "清单", "政策", "办法", "措施", "若干措施",
    "细则", "通知", "文件", "条款", "上市", "房租", "租金", "标准", "老人", "高级", "成长", "贴息", "认定",
    "补贴清单", "奖励政策", "扶持政策", "资金", "项目", "计划", "津贴", "待遇", "证明",
}
TIME_CHARS = re.compile(r"[年月日号天周季今明昨前后春夏秋冬期时初底末旬内早晚]")
NUMERAL = re.compile(r"[\d零〇一二两俩三四五六七八九十百千万亿半壹贰叁肆伍陆柒捌玖拾佰仟萬億]")
NUMERIC = {"employees", "revenue", "rd_spend", "amount"}
RATING_INTENTS = {"rate_service", "complain", "inform", "deny"}


def _overlaps(a: Entity, start: int, end: int) -> bool:
    return a["start"] < end and start < a["end"]


def plausible(text: str, entity: Entity) -> bool:
    """False for spans that cannot be the entity whatever the model thinks."""
    span = text[entity["start"]:entity["end"]]
    kind = entity["entity"]
    if kind == "policy":
        # 多资助, 最高补贴: a generic word with one stray character before it
        return len(span) >= 2 and span not in GENERIC_POLICY_WORDS and span[1:] not in GENERIC_POLICY_WORDS
    if kind == "date":  # a time word alone (月, 年) dates nothing
        return len(span) >= 2 and bool(TIME_CHARS.search(span)) or bool(re.fullmatch(r"\d{4}-\d{1,2}(-\d{1,2})?", span))
    if kind in NUMERIC:
        return bool(NUMERAL.search(span))
    if kind == "district":
        return len(span) >= 2
    if kind == "company":  # 龙华区, 深圳市; 福城 of 福城街道
        return not patterns.PLACE_ONLY.fullmatch(span.strip()) and not patterns.PLACE_AFTER.match(text, entity["end"])
    return True


def snap_policies(text: str, entities: List[Entity], names: Gazetteer, add_min_length: int = 4,
                  add_missing: bool = True) -> List[Entity]:
    """Policy spans become the known name they overlap (with its document id); known names of at least
    `add_min_length` characters that no extractor found are added."""
    hits = names.find(text)
    out: List[Entity] = []
    used = set()
    for entity in entities:
        if entity["entity"] != "policy":
            out.append(entity)
            continue
        overlapping = [h for h in hits if _overlaps(entity, h[0], h[1])]
        if overlapping:
            start, end, value = max(overlapping, key=lambda h: h[1] - h[0])
            used.add((start, end))
            out.append({**entity, "start": start, "end": end, "value": value})
        elif entity["end"] - entity["start"] > 2:
            out.append(entity)
        # else two characters that are no known name (护理, 工业, 总部): a word, not a policy
    if add_missing:
        for start, end, value in hits:
            if (start, end) not in used and end - start >= add_min_length and \
                    not any(_overlaps(e, start, end) for e in out if e["entity"] == "policy"):
                out.append({"entity": "policy", "start": start, "end": end, "value": value,
                            "confidence_entity": 1.0, "extractor": "EntityRepair"})
    return out


def rate(text: str, entities: List[Entity], intent: Optional[str]) -> List[Entity]:
    """Rating spans and levels from the lexicon. A model's rating span is kept only where the lexicon
    finds nothing and it contains a word of judgement; lexicon hits are added in rating-like turns."""
    hits = ratings.find(text)
    others = [e for e in entities if e["entity"] != "rating"]
    model = [e for e in entities if e["entity"] == "rating"]
    out = list(others)
    for start, end, level in hits:
        if end < len(text) and text[end] == "的":
            end += 1  # 挺好的, 蛮不错的: the whole expression
        alone = (end - start) >= 0.6 * len(re.sub(r"[\s，,。.!！~～]", "", text))
        if alone or intent in RATING_INTENTS or any(_overlaps(e, start, end) for e in model):
            out.append({"entity": "rating", "start": start, "end": end, "value": level,
                        "confidence_entity": 1.0, "extractor": "EntityRepair"})
    for entity in model:
        span = text[entity["start"]:entity["end"]]
        if not any(_overlaps(entity, s, e) for s, e, _ in hits) and re.search(r"[满滿好差赞讚棒烂爛糟评評分星]", span):
            out.append(entity)
    return out


# entity type -> how many characters may separate two pieces of one name
JOINABLE = {"company": 4, "date": 0, "employees": 0, "revenue": 0, "rd_spend": 0, "amount": 0}
QUALIFICATION_PREFIX = re.compile(r"(国家级|省级|市级|区级|国家|省|市)$")
BARE_LEVELS = {"国家", "国家级", "省级", "市级", "区级", "省", "市", "区"}
# the characters a quantity can end with: digits, numerals, units, hedges (1200万能 -> 1200万)
QUANTITY_END = re.compile(r"[\d零〇一二两俩三四五六七八九十百千万亿半壹贰叁肆伍陆柒捌玖拾佰仟萬億wW元块钱人名位多来余左右上下出头以个号%％点]$")


def join_fragments(text: str, entities: List[Entity], gaps: Optional[Dict[str, int]] = None) -> List[Entity]:
    """Join pieces of one name the model split (深圳市华创智能 + 有限公司 -> one company; 2023年 + 6月). A name that
    ends in 有限公司 is whole: a company piece right after it is the sentence going on (…有限公司 | 想申报技术改造), dropped."""
    gaps = JOINABLE if gaps is None else gaps
    out: List[Entity] = []
    for entity in sorted(entities, key=lambda e: e["start"]):
        last = out[-1] if out else None
        if last is not None and entity["entity"] in gaps and last["entity"] == entity["entity"] and \
                0 <= entity["start"] - last["end"] <= gaps[entity["entity"]] and \
                not re.search(r"[\s，,。；;、]", text[last["end"]:entity["start"]]):
            if entity["entity"] == "company" and patterns.COMPANY_SUFFIX.search(text[last["start"]:last["end"]]):
                continue
            last["end"] = entity["end"]
            last["value"] = text[last["start"]:last["end"]]
            continue
        out.append(dict(entity))
    return out


def drop_rejected(text: str, entities: List[Entity]) -> List[Entity]:
    """"营收是2.6亿不是一个亿": the value after 不是 is the one the user rejects."""
    out = []
    for entity in entities:
        before = text[max(0, entity["start"] - 2):entity["start"]]
        rival = any(o is not entity and o["entity"] == entity["entity"] for o in entities)
        if rival and before.endswith(("不是", "并非")):
            continue
        out.append(entity)
    return out


def _claim(entities: List[Entity], start: int, end: int, entity: Entity, keep_inside: Iterable[str] = ()) -> List[Entity]:
    """Put `entity` on [start, end): entities it overlaps go (those of `keep_inside` types wholly inside stay)."""
    out = [e for e in entities if not _overlaps(e, start, end)
           or (e["entity"] in keep_inside and start <= e["start"] and e["end"] <= end)]
    return out + [entity]


def written_shapes(text: str, entities: List[Entity]) -> List[Entity]:
    """Codes, 深圳… company names and dates have a shape: where the shape is, it decides the span and type
    (an ID number is never a phone, 2023年 | 9月入 is 2023年9月, the 3 of 3月 is no amount)."""
    for start, end, name in patterns.codes(text):
        value = text[start:end].upper()
        entities = _claim(entities, start, end, {"entity": name, "start": start, "end": end, "value": value,
                                                 "confidence_entity": 1.0, "extractor": "EntityRepair"})
    for start, end in patterns.companies(text):
        if any(e["entity"] in ("uscc", "id_number", "phone") and _overlaps(e, start, end) for e in entities):
            continue
        entities = _claim(entities, start, end, {"entity": "company", "start": start, "end": end,
                                                 "value": text[start:end], "confidence_entity": 1.0,
                                                 "extractor": "EntityRepair"})
    for start, end in patterns.dates(text):
        if any(e["entity"] in ("uscc", "id_number", "phone", "company", "policy") and _overlaps(e, start, end)
               for e in entities):
            continue
        entities = _claim(entities, start, end, {"entity": "date", "start": start, "end": end,
                                                 "value": text[start:end], "confidence_entity": 1.0,
                                                 "extractor": "EntityRepair"})
    return entities


def whole_spans(text: str, entities: List[Entity]) -> List[Entity]:
    """国家 + 高新技术企业 -> 国家高新技术企业; 1200万能 -> 1200万; a bare level (国家) is no qualification."""
    out = []
    for entity in entities:
        entity = dict(entity)
        if entity["entity"] == "qualification":
            prefix = QUALIFICATION_PREFIX.search(text[:entity["start"]])
            if prefix and text[entity["start"]:entity["end"]] not in BARE_LEVELS:
                entity["start"] = prefix.start()
            if text[entity["start"]:entity["end"]] in BARE_LEVELS:
                continue
        if entity["entity"] in NUMERIC:
            while entity["end"] > entity["start"] + 1 and not QUANTITY_END.search(text[entity["start"]:entity["end"]]):
                entity["end"] -= 1
        out.append(entity)
    return out


def repair(text: str, entities: List[Entity], intent: Optional[str], policy_names: Gazetteer,
           add_policies: bool = True) -> List[Entity]:
    entities = written_shapes(text, [e for e in entities if plausible(text, e)])
    entities = whole_spans(text, entities)
    entities = snap_policies(text, entities, policy_names, add_missing=add_policies and intent != "out_of_scope")
    entities = rate(text, entities, intent)
    entities = join_fragments(text, entities)
    entities = drop_rejected(text, entities)
    return sorted(entities, key=lambda e: (e["start"], e["end"]))
