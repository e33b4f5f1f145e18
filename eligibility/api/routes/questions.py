"""POST /questions: the action server reports a question it answered with low confidence, could not answer
or did not understand (the knowledge-gap view, GET /api/console/gaps). The question is its own
conversation's (X-Conversation-Id); the text is stored masked."""

from __future__ import annotations

import math
from typing import Literal, Optional

from fastapi import APIRouter, Depends
from pydantic import Field, validator

from eligibility.api.response import MaskedJSONResponse
from eligibility.api.routes.deps import context, service_caller
from eligibility.api.schemas import Body
from eligibility.auth.principal import Principal
from eligibility.context import Context
from eligibility.services import knowledge_gaps

router = APIRouter(tags=["feedback"])


class QuestionReport(Body):
    text: str = Field(..., min_length=1, max_length=knowledge_gaps.MAX_TEXT, description="用户的原话（保存时脱敏）")
    outcome: Literal["low_confidence", "not_found", "not_understood"]
    score: Optional[float] = Field(None, ge=-1e6, le=1e6, description="检索给出的最高分（如有）")
    doc_id: Optional[str] = Field(None, regex=r"^[A-Za-z0-9_.:-]{1,40}$", description="检索给出的首个文档（如有）")

    @validator("score")
    def _finite(cls, v: Optional[float]) -> Optional[float]:  # noqa: N805 - pydantic's validator signature
        if v is not None and not math.isfinite(v):
            raise ValueError("score must be a finite number")
        return v


@router.post("/questions", status_code=201, summary="对话服务上报答得不好的问题（低置信度、未找到、未理解），供知识缺口分析")
def post_question(body: QuestionReport, ctx: Context = Depends(context),
                  p: Principal = Depends(service_caller)) -> MaskedJSONResponse:
    assert p.conversation_id is not None  # service_caller guarantees it
    out = knowledge_gaps.log_question(ctx, p.conversation_id, p.subject_id, body.text, body.outcome, body.score,
                                      body.doc_id)
    return MaskedJSONResponse(out, status_code=201)
