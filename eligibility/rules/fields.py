"""The profile schema: every field's type, label, question and shared-data source.

The catalogue lives in ``fields.yaml`` beside this module. Fields with a ``source`` are stored in the
data account (verified shared data); the others are only ever declared by the user. A field the corpus
uses but the catalogue lacks gets a type inferred from its conditions, so a new policy file needs no
code change.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Tuple

import yaml

from eligibility.rules.values import TYPES

CATALOGUE_FILE = Path(__file__).with_name("fields.yaml")
LATIN = re.compile(r"[A-Za-z]")
# the units a number's words name, longest first: a field the corpus introduced has no unit of its own
UNIT_WORDS = ("万美元", "万元", "亿元", "平方米", "个工作日", "个月", "周岁", "%", "人", "件", "家", "套", "年", "月", "岁", "天")


def plain(label: str) -> str:
    """A label in everyday words: no slash (或), no "用于…" aside, no bracketed code in Latin letters."""
    label = re.sub(r"[，,]?用于.*$", "", label)
    label = re.sub(r"[（(][^）)]*[A-Za-z][^）)]*[）)]", "", label)
    return label.replace("/", "或").strip()


def unit_in(text: str) -> Optional[str]:
    """The unit a condition's words give a figure (上年营业收入1000万元以上 → 万元), or None."""
    for word in UNIT_WORDS:
        if re.search(r"\d" + re.escape(word), text):
            return word
    return None


SOURCE_LABELS = {
    "registration": "市场监管部门商事登记",
    "tax": "税务部门",
    "statistics": "统计部门",
    "social_insurance": "社会保险部门",
    "certification": "资质认定名录",
    "credit": "信用信息平台",
    "ip": "知识产权部门",
    "public_security": "公安部门户籍与居住登记",
    "education": "学历学籍信息",
    "employment": "人力资源部门就业登记",
    "talent": "人才认定信息",
    "civil_affairs": "民政与残联信息",
    "housing": "住房建设部门",
    "health": "卫生健康部门",
}


@dataclass(frozen=True)
class FieldSpec:
    name: str
    kind: str
    label: str
    audience: str = "enterprise"
    unit: Optional[str] = None
    source: Optional[str] = None
    examples: Tuple[str, ...] = ()
    titles: Tuple[Tuple[str, str], ...] = ()  # (example, what a person reads for it): F51 -> 批发业
    question_text: Optional[str] = None
    inferred: bool = False

    @property
    def shown_unit(self) -> Optional[str]:
        """The unit answers are given in: the catalogue's, else the one the condition's words name."""
        return self.unit or (unit_in(self.label) if self.inferred and self.kind in ("number", "int") else None)

    @property
    def stored(self) -> bool:
        """Kept in the data account (verified from shared data)."""
        return self.source is not None

    def question(self, condition_text: Optional[str] = None) -> str:
        """One polite question that asks for this field, as a 12345 operator would put it: the catalogue's
        own wording when it has one (every catalogued field does), else one built from the label (a field
        the corpus introduced has its condition's words for a label). Numbers name their unit; no slashes,
        no field names, no Latin letters."""
        if self.question_text:
            return self.question_text
        who = "您" if self.audience == "citizen" else "贵单位"
        label = plain(self.label)
        unit = self.shown_unit
        how_much = "百分之多少（%）" if unit == "%" else f"多少{unit or ''}"
        if self.inferred or self.kind == "bool":
            if self.kind == "bool":
                if self.inferred:
                    return f"请问{who}的情况符合“{label}”这一条吗？"
                return f"请问{who}{label[2:] if label.startswith('是否') else label}吗？"
            if self.kind in ("number", "int"):
                return f"关于“{label}”，请问{who}的实际数字是{how_much}？"
            if self.kind == "date":
                return f"关于“{label}”，请问是哪年哪月哪日？"
            return f"关于“{label}”，请问{who}的具体情况是什么？"
        if self.kind in ("number", "int"):
            return f"请问{who}的{label}是{how_much}？"
        if self.kind == "date":
            return f"请问{who}的{label}是哪年哪月哪日？"
        shown = [e for e in self.examples if not LATIN.search(e) and "/" not in e][:3]
        hint = f"，比如{'、'.join(shown)}" if shown else ""
        if self.kind == "list":
            return f"请问{who}有哪些{label}{hint}？"
        return f"请问{who}的{label}是什么{hint}？"

    def describe(self) -> Dict[str, object]:
        return {
            "field": self.name,
            "type": self.kind,
            "label": self.label,
            "unit": self.unit,
            "audience": self.audience,
            "verified_source": SOURCE_LABELS.get(self.source or "", self.source),
            "examples": list(self.examples),
        }


@dataclass
class Catalogue:
    fields: Dict[str, FieldSpec]
    inferred: Dict[str, FieldSpec] = field(default_factory=dict)

    def get(self, name: str) -> Optional[FieldSpec]:
        return self.fields.get(name) or self.inferred.get(name)

    def __contains__(self, name: object) -> bool:
        return name in self.fields or name in self.inferred

    def stored(self, audience: Optional[str] = None) -> List[FieldSpec]:
        return [f for f in self.fields.values() if f.stored and (audience is None or f.audience == audience)]

    def with_inferred(self, specs: Iterable[FieldSpec]) -> Catalogue:
        extra = {s.name: s for s in specs if s.name not in self.fields}
        return Catalogue(self.fields, extra)


def _spec(name: str, raw: dict) -> FieldSpec:
    kind = raw.get("type")
    if kind not in TYPES:
        raise ValueError(f"fields.yaml: {name}: unknown type {kind!r}")
    return FieldSpec(
        name=name,
        kind=kind,
        label=str(raw.get("label") or name),
        audience=str(raw.get("audience") or "enterprise"),
        unit=raw.get("unit"),
        source=raw.get("source"),
        examples=tuple(str(x) for x in raw.get("examples") or ()),
        titles=tuple((str(k), str(v)) for k, v in (raw.get("titles") or {}).items()),
        question_text=raw.get("question"),
    )


@lru_cache(maxsize=4)
def load_catalogue(path: Path = CATALOGUE_FILE) -> Catalogue:
    raw = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    return Catalogue({name: _spec(name, spec) for name, spec in raw.items()})
