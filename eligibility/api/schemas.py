"""Request bodies. Every field is bounded; unknown keys are refused."""

from __future__ import annotations

from typing import Any, Dict, List, Literal, Optional

from pydantic import BaseModel, Field, root_validator, validator

from eligibility.ratings import LEVELS

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
    view: Literal["full", "compact"] = Field(
        "full", description="full：每项政策及其逐条条件；compact（对话用）：统计、下一个问题、全部符合条件的政策摘要，"
                            "以及展示为卡片的几项（前 shown 项符合的、3 项需补充信息的）的逐条条件；指定 policy_ids 时含其全部条件")
    shown: int = Field(5, ge=0, le=50, description="compact：附逐条条件的符合条件政策数（按金额从高到低）")

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


class BundleRequest(Body):
    profile_id: str = Field("me", min_length=1, max_length=40)
    idempotency_key: Optional[str] = Field(None, min_length=8, max_length=120, regex=r"^[A-Za-z0-9_.:\-]+$")


class ApplicationUpdate(Body):
    """The actor is the signed-in reviewer, never a name the request declares."""
    status: Literal["under_review", "approved", "rejected", "paid"]
    note: Optional[str] = Field(None, max_length=1000, description="审核意见；不予通过时必填，申请人可见")


class GrantConfirm(Body):
    profile_id: str = Field("me", min_length=1, max_length=40, description="me：已登录的本人或对话绑定的主体")
    bank: str = Field(..., min_length=2, max_length=40)
    account_number: str = Field(..., min_length=8, max_length=40)
    account_name: Optional[str] = Field(None, min_length=1, max_length=60, description="默认为主体名称")


class RatingRequest(Body):
    level: Literal[LEVELS]  # type: ignore[valid-type]
    reason: Optional[str] = Field(None, max_length=1000)
    conversation_id: Optional[str] = Field(None, min_length=1, max_length=80)
    application_id: Optional[str] = Field(None, min_length=1, max_length=40)
    profile_id: Optional[str] = Field(None, max_length=40)


class Message(Body):
    role: Literal["user", "bot", "agent"]
    text: str = Field(..., max_length=4000)
    at: Optional[str] = Field(None, max_length=40)


class HandoffRequest(Body):
    kind: Literal["handoff", "complaint"] = "handoff"
    conversation_id: str = Field(..., min_length=1, max_length=80)
    transcript: List[Message] = Field(..., min_items=1, max_items=500)
    summary: Optional[str] = Field(None, max_length=1000)
    profile_id: Optional[str] = Field(None, max_length=40)
    contact: Optional[str] = Field(None, max_length=60)
    channel: Optional[str] = Field(None, max_length=20, regex=r"^[a-z_]+$", description="用户所在渠道（rest、socketio、wechat）")


class TicketUpdate(Body):
    status: Optional[Literal["待回访", "整改中", "已办结", "待处理", "处理中"]] = None
    note: Optional[str] = Field(None, max_length=2000)
    assignee: Optional[str] = Field(None, max_length=60)


class SubscriptionRequest(Body):
    conversation_id: str = Field(..., min_length=1, max_length=80)
    topic: str = Field(..., min_length=1, max_length=40,
                       description="政策类别（如 人才、科技创新）、政策编号（如 ENT-011）或 all（全部政策）")
    profile_id: Optional[str] = Field(None, max_length=40, description="统一社会信用代码或身份证号（可选）")


# ---- identity and trust --------------------------------------------------------------------------

CHANNELS = Literal["rest", "wechat", "web", "socketio", "console", "terminal"]


class OtpSend(Body):
    subject_id: str = Field(..., min_length=1, max_length=40, description="身份证号或统一社会信用代码")


class OtpVerify(Body):
    code: str = Field(..., min_length=1, max_length=12, description="短信中的6位验证码")
    channel: CHANNELS = "rest"


class LoginStart(Body):
    channel: CHANNELS = "rest"


class StaffLogin(Body):
    username: str = Field(..., min_length=1, max_length=60)
    password: str = Field(..., min_length=1, max_length=200)


class Subject(BaseModel):
    id: str = Field(..., description="脱敏后的证件号码或统一社会信用代码")
    kind: str
    name: Optional[str] = None
    in_data_account: bool


class Binding(BaseModel):
    bound: bool
    subject: Optional[Subject] = None
    method: Optional[str] = None
    bound_at: Optional[str] = None
    unbound: Optional[bool] = None


class BoundWithToken(Binding):
    access_token: str
    token_type: str = "Bearer"
    expires_in: int


class CodeSent(BaseModel):
    sent: bool
    expires_in: int
    message: str


class LoginLink(BaseModel):
    login_url: str
    expires_in: int


class StaffToken(BaseModel):
    access_token: str
    token_type: str = "Bearer"
    expires_in: int
    roles: List[str]
    display_name: str


class Deletion(BaseModel):
    deleted: Dict[str, int]
    kept: Dict[str, int]
    kept_reason: str


class OutboxMessage(BaseModel):
    id: int
    channel: str
    recipient: str
    purpose: str
    body: str
    status: str
    attempts: int
    created_at: str
    sent_at: Optional[str] = None


class OutboxList(BaseModel):
    count: int
    messages: List[OutboxMessage]


# ---- the 12345 console: call helper, work orders, tickets, reviews -----------------------------------

class AssistRequest(Body):
    question: str = Field(..., min_length=1, max_length=500, description="来电人的问题（原话或概括）")


class AssistPolicy(BaseModel):
    policy_id: str
    title: str
    handling: str = Field(..., description="免申即享 | 秒批 | 常规申报")
    conditions: List[str] = Field(..., description="申请条件（原文表述）")
    conditions_complete: bool
    benefit: str


class AssistCitation(BaseModel):
    issuer: str
    date: Optional[str] = Field(None, description="信息日期")
    url: Optional[str] = Field(None, description="官方原文地址；未找到原文时为空")
    article: str
    text: str = Field(..., description="可直接引用的依据说明")


class AssistAnswer(BaseModel):
    rank: int
    kind: Literal["faq", "passage"]
    text: str
    matched_question: Optional[str] = Field(None, description="命中的常见问题")
    doc_id: str
    title: str
    citation: AssistCitation
    score: float
    policy: Optional[AssistPolicy] = Field(None, description="文件为附条件的政策时：其政策编号与条件")
    notice: Optional[str] = Field(None, description="文件已被替代或已过申报期/有效期时的提示")
    copy_text: str = Field(..., description="复制给来电人的内容：答案与依据")


class AssistAnswers(BaseModel):
    question: str
    answers: List[AssistAnswer]


class QuickCheckRequest(Body):
    subject_id: str = Field(..., min_length=1, max_length=40, description="统一社会信用代码或身份证号")
    reason: Optional[str] = Field(None, max_length=200, description="查询事由（必填，至少2个字，记入审计日志）")


class CheckedSubject(BaseModel):
    id: str = Field(..., description="脱敏后的证件号码或统一社会信用代码")
    kind: str
    kind_label: str
    name: Optional[str]


class CheckedPolicy(BaseModel):
    policy_id: str
    title: str
    handling: str
    benefit: str
    estimate_wan: Optional[float]
    window: str
    reasons: List[str] = Field(..., description="需补充的条件，或不符合的条件")


class QuickCheck(BaseModel):
    subject: CheckedSubject
    summary: Dict[str, int]
    eligible: List[CheckedPolicy]
    needs_information: List[CheckedPolicy]
    not_eligible: List[CheckedPolicy]


class WorkOrderRequest(Body):
    ticket_id: Optional[str] = Field(None, min_length=1, max_length=40, description="由哪张工单（如转人工）生成")
    conversation_id: Optional[str] = Field(None, min_length=1, max_length=80)
    caller: str = Field(..., min_length=1, max_length=60, description="来电人")
    question: str = Field(..., min_length=1, max_length=1000, description="诉求")
    policy_id: Optional[str] = Field(None, min_length=1, max_length=16, description="涉及政策")
    outcome: str = Field(..., min_length=1, max_length=1000, description="处理结果")
    next_step: str = Field(..., min_length=1, max_length=1000, description="下一步")
    contact: Optional[str] = Field(None, max_length=60, description="联系方式（留空则沿用原工单的）")


class WorkOrderDraft(BaseModel):
    ticket_id: str
    conversation_id: Optional[str]
    caller: str
    question: Optional[str]
    policy_id: Optional[str]
    policy_title: Optional[str]
    policy_source: Optional[Literal["cited", "suggested"]] = Field(None, description="cited：对话中引用；suggested：按问题检索")
    outcome: str
    next_step: str
    contact: Optional[str]


class TicketEvent(BaseModel):
    status: str
    note: str
    actor: str
    at: str


class TicketLine(BaseModel):
    role: str
    text: str
    at: Optional[str] = None


class Ticket(BaseModel):
    id: str
    kind: str
    kind_label: str
    status: str
    due_date: Optional[str]
    overdue: bool
    next_statuses: List[str] = Field(..., description="可变更为的状态")
    summary: str
    conversation_id: Optional[str]
    application_id: Optional[str]
    profile_id: Optional[str] = Field(None, description="脱敏后的证件号码或统一社会信用代码")
    contact: Optional[str]
    assignee: Optional[str]
    transcript: List[TicketLine]
    history: List[TicketEvent]
    created_at: str


class TicketList(BaseModel):
    total: int
    tickets: List[Ticket]


class ReviewDecision(Body):
    decision: Literal["approved", "rejected"]
    reason: Optional[str] = Field(None, max_length=1000, description="审核意见；不予通过时必填，申请人可见")


class ReviewEvent(BaseModel):
    status: str
    status_label: str
    actor: str
    note: Optional[str]
    at: str


class ReviewItem(BaseModel):
    id: str
    policy_id: str
    policy_title: Optional[str]
    applicant: str = Field(..., description="脱敏后的证件号码或统一社会信用代码")
    applicant_name: Optional[str]
    applicant_kind: Optional[str]
    handling: str
    status: str
    status_label: str
    system_opinion: Optional[str]
    benefit: Optional[str]
    estimate_wan: Optional[float]
    created_at: str
    history: List[ReviewEvent]


class ReviewList(BaseModel):
    total: int
    items: List[ReviewItem]
