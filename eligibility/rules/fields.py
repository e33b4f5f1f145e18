"""The profile schema: every field's type, label, question and shared-data source.

The catalogue lives in ``fields.yaml`` beside this module. Fields with a ``source`` are stored in the
data account (verified shared data); the others are only ever declared by the user. A field the corpus
uses but the catalogue lacks gets a type inferred from its conditions, so a new policy file needs no
code change.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Tuple

import yaml

from eligibility.rules.values import TYPES

CATALOGUE_FILE = Path(__file__).with_name("fields.yaml")

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
    question_text: Optional[str] = None
    inferred: bool = False

    @property
    def stored(self) -> bool:
        """Kept in the data account (verified from shared data)."""
        return self.source is not None

    def question(self, condition_text: Optional[str] = None) -> str:
        """One polite question that asks for this field."""
        if self.question_text:
            return self.question_text
        who = "您" if self.audience == "citizen" else "贵单位"
        if self.kind == "bool":
            if condition_text:
                return f"请问{who}是否符合这一条件：{condition_text}？"
            return f"请问{who}{self.label}吗？" if not self.label.startswith("是否") else f"请问{who}{self.label}？"
        unit = f"（单位：{self.unit}）" if self.unit else ""
        if self.kind in ("number", "int"):
            return f"请问{who}的{self.label}是多少{unit}？"
        if self.kind == "date":
            return f"请问{who}的{self.label}是哪一天？（格式如 2024-05-01）"
        hint = f"（例如：{'、'.join(self.examples[:4])}）" if self.examples else ""
        if self.kind == "list":
            return f"请问{who}有哪些{self.label}？{hint}"
        return f"请问{who}的{self.label}是什么？{hint}"

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
        question_text=raw.get("question"),
    )


@lru_cache(maxsize=4)
def load_catalogue(path: Path = CATALOGUE_FILE) -> Catalogue:
    raw = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    return Catalogue({name: _spec(name, spec) for name, spec in raw.items()})
