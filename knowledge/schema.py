"""The schema of a knowledge document: one YAML file per policy, service item or bundle.

Every file under ``knowledge/corpus`` is one :class:`Document`. The eligibility service reads the same
files for their ``conditions``; the index builder reads ``articles`` and ``faq``.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any, List, Literal, Optional, Union

from pydantic import BaseModel, Field, root_validator, validator

DOC_ID = re.compile(r"^(ENT|CIT|BUN)-\d{3}$")
OPS = (
    "==", "!=", ">", ">=", "<", "<=", "in", "not_in", "contains", "contains_any",
    "not_contains", "between", "exists",
)
MODES = ("常规申报", "免申即享", "秒批", "一件事一次办")
LEVELS = ("国家级", "省级", "市级", "区级")
UNKNOWN = "以主管部门最新通知为准"


def _doc_id(v: str) -> str:
    if not DOC_ID.match(v):
        raise ValueError("id must look like ENT-001, CIT-001 or BUN-001")
    return v


class Strict(BaseModel):
    class Config:
        extra = "forbid"


class Leaf(Strict):
    """One atomic, typed condition over a profile field."""

    field: str
    op: Literal[OPS]  # type: ignore[valid-type]
    value: Any = None
    text: str = Field(..., min_length=2, description="the condition in plain Chinese")
    applies_if: Optional[Leaf] = None
    confidence: Literal["high", "low"] = "high"

    @validator("field")
    def _snake(cls, v: str) -> str:
        if not re.fullmatch(r"[a-z][a-z0-9_]*", v):
            raise ValueError("field must be snake_case ascii")
        return v

    @root_validator(skip_on_failure=True)
    def _value_fits_op(cls, values: dict) -> dict:
        op, value = values["op"], values.get("value")
        if op in ("in", "not_in", "contains_any") and not isinstance(value, list):
            raise ValueError(f"op {op} needs a list value")
        if op == "between" and not (isinstance(value, list) and len(value) == 2):
            raise ValueError("op between needs [low, high]")
        if op in (">", ">=", "<", "<=") and not isinstance(value, (int, float, dt.date)):
            raise ValueError(f"op {op} needs a number or a date")
        if op != "exists" and value is None:
            raise ValueError(f"op {op} needs a value")
        return values


class AnyOf(Strict):
    any: List[Node]
    text: Optional[str] = None


class AllOf(Strict):
    all: List[Node]
    text: Optional[str] = None


Node = Union[Leaf, AnyOf, AllOf]
Leaf.update_forward_refs()
AnyOf.update_forward_refs()
AllOf.update_forward_refs()


class Rules(Strict):
    """A rule file: the machine rules of the document with the same id (the text is in the corpus file)."""

    id: str
    conditions_complete: bool = Field(..., description="false: a condition the facts give no threshold for is left out")
    conditions: List[Node] = Field(..., description="ANDed; alternatives {any: [...]}, groups inside one {all: [...]}")

    @validator("id")
    def _id(cls, v: str) -> str:
        return _doc_id(v)


class Article(Strict):
    heading: str = Field(..., description="the document's own structure: 第一条 支持对象 / （一）… / 一、…")
    text: str = Field(..., min_length=10)


class FAQ(Strict):
    q: str
    a: str


class Benefit(Strict):
    text: str
    max_amount_wan: Optional[float] = Field(None, description="the largest amount the facts state, in 万元")
    formula: Optional[str] = None


class Window(Strict):
    start: Optional[dt.date] = None
    end: Optional[dt.date] = None
    text: str = UNKNOWN


class PolicyFile(Strict):
    """The policy document (文件) an item belongs to, for 政策文件导办."""

    title: str
    number: Optional[str] = None


class Successor(Strict):
    """The document that replaced this one: only where the facts say so (a fact sheet's status_note or notes
    naming the text now in force). An answer citing a superseded document names its successor."""

    title: str = Field(..., min_length=4, description="the replacing text as people read it: 《title》, or as the facts "
                                                      "name it when they give no title (深工信规〔2023〕4号操作规程)")
    number: Optional[str] = Field(None, description="its 文号, e.g. 深工信规〔2024〕12号")
    doc_id: Optional[str] = Field(None, description="the corpus document for it, when there is one")
    since: Optional[dt.date] = Field(None, description="the date it took over, only when the facts give the day")

    @validator("doc_id")
    def _doc_id(cls, v: Optional[str]) -> Optional[str]:
        if v is not None and not DOC_ID.match(v):
            raise ValueError("doc_id must look like ENT-001, CIT-001 or BUN-001")
        return v

    def display(self) -> str:
        """《企业技术改造项目扶持计划操作规程》（深工信规〔2024〕12号）"""
        return self.title + (f"（{self.number}）" if self.number and self.number not in self.title else "")


class Document(Strict):
    id: str
    kind: Literal["policy", "service", "bundle"]
    title: str
    short_title: Optional[str] = None
    aliases: List[str] = Field(default_factory=list, description="what people call it")
    issuer: str
    level: Literal[LEVELS]  # type: ignore[valid-type]
    region: str = Field(..., description="深圳市 / 龙华区 / 广东省 / 全国 …")
    category: str
    audience: Literal["enterprise", "citizen"]
    policy_file: Optional[PolicyFile] = None
    summary: str
    articles: List[Article] = Field(..., min_items=1)
    conditions: List[Node] = Field(default_factory=list, description="from the rule file (Rules); none without one")
    conditions_complete: bool = True
    benefit: Benefit
    materials: List[str] = Field(default_factory=list)
    time_limit: str = UNKNOWN
    how_to_apply: str = UNKNOWN
    window: Window = Field(default_factory=Window)
    mode: Literal[MODES]  # type: ignore[valid-type]
    members: List[str] = Field(default_factory=list, description="bundle: its member items, in order")
    bundles: List[str] = Field(default_factory=list)
    faq: List[FAQ] = Field(..., min_items=3, max_items=6)
    source_url: Optional[str] = Field(..., description="the page the facts come from; null when no source was found "
                                                     "(say so in caveat: the answer then shows it as unsourced)")
    source_date: str
    source_quality: Literal["gov", "news", "mirror", "consultant"]
    caveat: Optional[str] = None
    superseded_by: Optional[Successor] = None

    @validator("id")
    def _id(cls, v: str) -> str:
        return _doc_id(v)

    @validator("source_date", pre=True)
    def _date_text(cls, v: Any) -> Any:
        return v.isoformat() if isinstance(v, dt.date) else v

    @validator("source_url")
    def _url(cls, v: Optional[str]) -> Optional[str]:
        if v is not None and not re.match(r"^https?://", v):
            raise ValueError("source_url must be an http(s) address")
        return v

    @root_validator(skip_on_failure=True)
    def _bundle_members(cls, values: dict) -> dict:
        if values["kind"] == "bundle" and len(values["members"]) < 2:
            raise ValueError("a bundle needs at least two members")
        if values["kind"] != "bundle" and values["members"]:
            raise ValueError("only a bundle has members")
        successor = values.get("superseded_by")
        if successor is not None and successor.doc_id == values["id"]:
            raise ValueError("a document cannot supersede itself")
        return values
