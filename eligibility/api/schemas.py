"""Request bodies. Every field is bounded; unknown keys are refused."""

from __future__ import annotations

from typing import Any, Dict, List, Literal, Optional

from pydantic import BaseModel, Field, root_validator, validator

MAX_FIELDS = 200


class Body(BaseModel):
    class Config:
        extra = "forbid"
        anystr_strip_whitespace = True


def _check_fields(v: Optional[Dict[str, Any]]) -> Optional[Dict[str, Any]]:
    if v is None:
        return v
    if len(v) > MAX_FIELDS:
        raise ValueError(f"at most {MAX_FIELDS} fields")
    for key in v:
        if not (1 <= len(key) <= 80):
            raise ValueError("field names have 1 to 80 characters")
    return v


class MatchRequest(Body):
    profile_id: Optional[str] = Field(None, max_length=40, description="统一社会信用代码或身份证号")
    fields: Optional[Dict[str, Any]] = Field(None, description="临时画像：字段名到取值，例如用户在对话中告诉机器人的信息")
    audience: Optional[Literal["enterprise", "citizen"]] = None
    category: Optional[str] = Field(None, max_length=40)
    handling: Optional[Literal["免申即享", "秒批", "常规申报"]] = None
    window_open: bool = Field(False, description="只看当前未截止的（申报期开放或未公布申报期）")
    policy_ids: Optional[List[str]] = Field(None, max_items=200, description="只匹配这些政策（例如逐条核对一项政策的条件）")

    _fields = validator("fields", allow_reuse=True)(_check_fields)

    @root_validator(skip_on_failure=True)
    def _one_source(cls, values: dict) -> dict:
        if (values.get("profile_id") is None) == (values.get("fields") is None):
            raise ValueError("give exactly one of profile_id and fields")
        return values


class DeclareRequest(Body):
    fields: Dict[str, Any]
    conversation_id: Optional[str] = Field(None, max_length=80)

    _fields = validator("fields", allow_reuse=True)(_check_fields)


class ApplicationRequest(Body):
    profile_id: str = Field(..., min_length=1, max_length=40)
    policy_id: str = Field(..., min_length=1, max_length=16)
    idempotency_key: Optional[str] = Field(None, min_length=8, max_length=120, regex=r"^[A-Za-z0-9_.:\-]+$")
    fields: Dict[str, Any] = Field(default_factory=dict, description="申请时补充的事项信息（项目、贷款等）")
    conversation_id: Optional[str] = Field(None, max_length=80)

    _fields = validator("fields", allow_reuse=True)(_check_fields)


class ApplicationUpdate(Body):
    status: Literal["under_review", "approved", "rejected", "paid"]
    note: Optional[str] = Field(None, max_length=1000)
    actor: str = Field("reviewer", min_length=1, max_length=60)


class GrantConfirm(Body):
    profile_id: str = Field(..., min_length=1, max_length=40)
    bank: str = Field(..., min_length=2, max_length=40)
    account_number: str = Field(..., min_length=8, max_length=40)
    account_name: str = Field(..., min_length=1, max_length=60)


class RatingRequest(Body):
    level: Literal["非常满意", "满意", "基本满意", "不满意", "非常不满意"]
    reason: Optional[str] = Field(None, max_length=1000)
    conversation_id: Optional[str] = Field(None, min_length=1, max_length=80)
    application_id: Optional[str] = Field(None, min_length=1, max_length=40)
    profile_id: Optional[str] = Field(None, max_length=40)


class Message(Body):
    role: Literal["user", "bot", "agent"]
    text: str = Field(..., max_length=4000)
    at: Optional[str] = Field(None, max_length=40)


class HandoffRequest(Body):
    kind: Literal["handoff"] = "handoff"
    conversation_id: str = Field(..., min_length=1, max_length=80)
    transcript: List[Message] = Field(..., min_items=1, max_items=500)
    summary: Optional[str] = Field(None, max_length=1000)
    profile_id: Optional[str] = Field(None, max_length=40)
    contact: Optional[str] = Field(None, max_length=60)


class TicketUpdate(Body):
    status: Optional[Literal["待回访", "整改中", "已办结", "待处理", "处理中"]] = None
    note: Optional[str] = Field(None, max_length=2000)
    assignee: Optional[str] = Field(None, max_length=60)
    actor: str = Field("hotline", min_length=1, max_length=60)


class SubscriptionRequest(Body):
    conversation_id: str = Field(..., min_length=1, max_length=80)
    topic: str = Field(..., min_length=1, max_length=40,
                       description="政策类别（如 人才、科技创新）、政策编号（如 ENT-011）或 all（全部政策）")
    profile_id: Optional[str] = Field(None, max_length=40, description="统一社会信用代码或身份证号（可选）")
