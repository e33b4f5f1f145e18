"""一件事一次办: GET /bundles/{id}/checklist, POST /bundles/{id}/applications, GET /bundles/submissions/{id}."""

from __future__ import annotations

from typing import Any, Dict, Optional

from fastapi import APIRouter, Depends, Header, Path, Query
from fastapi.responses import Response

from eligibility.api.response import created_or_replayed
from eligibility.api.routes.deps import context, idempotency_key_of, principal
from eligibility.api.schemas import BundleRequest
from eligibility.auth.access import forbidden, own_subject
from eligibility.auth.principal import Principal
from eligibility.context import Context
from eligibility.services import bundles

router = APIRouter()


@router.get("/bundles/{bundle_id}/checklist", tags=["bundles"],
            summary="一件事一次办：本人的事项清单（已由数据账户满足 ✓、还需补充的问题、免证办电子证照、合并预填表单）")
def bundle_checklist(bundle_id: str = Path(..., max_length=16), profile_id: str = Query("me", max_length=40),
                     ctx: Context = Depends(context), p: Principal = Depends(principal)) -> Dict[str, Any]:
    pid = own_subject(p, profile_id)
    return bundles.checklist(ctx, pid, bundle_id)


@router.post("/bundles/{bundle_id}/applications", tags=["bundles"], status_code=201,
             summary="一件事一次办：一次确认，在一个事务中提交全部可办事项（幂等，按主体和事项续办）")
def bundle_submit(body: BundleRequest, bundle_id: str = Path(..., max_length=16), ctx: Context = Depends(context),
                  p: Principal = Depends(principal), idempotency_key: Optional[str] = Header(None, max_length=120)) -> Response:
    pid = own_subject(p, body.profile_id)  # a bundle's applications are the subject's own, like POST /applications
    key = idempotency_key_of(body.idempotency_key, idempotency_key)
    return created_or_replayed(*bundles.submit(ctx, pid, bundle_id, key, actor=p.actor))


@router.get("/bundles/submissions/{submission_id}", tags=["bundles"], summary="一件事办理进度：逐项状态与总体（N 项中 M 项已办结）")
def bundle_submission(submission_id: str = Path(..., max_length=40), ctx: Context = Depends(context),
                      p: Principal = Depends(principal)) -> Dict[str, Any]:
    owner = bundles.owner(ctx, submission_id)
    if not p.has_role("operator", "reviewer") and (owner is None or owner != p.subject_id):
        raise forbidden()  # also for an unknown id
    return bundles.get(ctx, submission_id)
