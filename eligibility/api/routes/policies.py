"""GET /health, GET /policies, GET /policies/{id}, POST /admin/reload."""

from __future__ import annotations

from typing import Any, Dict, Optional

from fastapi import APIRouter, Depends, Query

from eligibility.api.routes.deps import context, staff_with
from eligibility.auth.principal import Principal
from eligibility.context import Context
from eligibility.errors import not_found
from eligibility.rules.policies import Policy

router = APIRouter()


def _summary(p: Policy, ctx: Context) -> Dict[str, Any]:
    doc = p.doc
    return {"id": doc.id, "title": doc.title, "short_title": doc.short_title, "category": doc.category,
            "audience": doc.audience, "kind": doc.kind, "issuer": doc.issuer, "region": doc.region,
            "handling": p.handling, "summary": doc.summary, "max_amount_wan": doc.benefit.max_amount_wan,
            "window_state": p.window_state(ctx.today()), "conditions": len(doc.conditions)}


@router.get("/health", tags=["admin"], summary="服务状态")
def health(ctx: Context = Depends(context)) -> Dict[str, Any]:
    ps = ctx.policies
    return {"status": "ok", "policies": len(ps), "ruleset_version": ps.version, "corpus_errors": len(ps.errors),
            "warnings": len(ps.warnings), "demonstration_modes": ps.modes.demonstration}


@router.get("/policies", tags=["policies"], summary="政策与事项列表（可按受众、类别、办理模式、区域、申报期筛选）")
def list_policies(audience: Optional[str] = Query(None, regex="^(enterprise|citizen)$"),
                  category: Optional[str] = Query(None, max_length=40),
                  handling: Optional[str] = Query(None, regex="^(免申即享|秒批|常规申报)$"),
                  region: Optional[str] = Query(None, max_length=20),
                  window_open: bool = False,
                  ctx: Context = Depends(context)) -> Dict[str, Any]:
    out = []
    for p in ctx.policies.policies.values():
        if (audience and p.audience != audience) or (category and p.doc.category != category) or \
                (handling and p.handling != handling) or (region and p.doc.region != region):
            continue
        if window_open and p.window_state(ctx.today()) == "closed":
            continue
        out.append(_summary(p, ctx))
    return {"count": len(out), "policies": out}


@router.get("/policies/{policy_id}", tags=["policies"], summary="一项政策的完整文档（JSON）")
def get_policy(policy_id: str, ctx: Context = Depends(context)) -> Dict[str, Any]:
    p = ctx.policies.get(policy_id)
    if p is None:
        raise not_found("政策或事项", policy_id[:40], "policy_not_found")
    doc = p.doc.dict()
    entry = ctx.policies.modes.modes.get(p.id)
    doc["handling"] = {"mode": p.handling, "basis": entry.basis if entry else None, "note": entry.note if entry else None,
                       "demonstration": bool(entry and entry.basis == "demo")}
    doc["windows"] = [w.describe() for w in p.windows(ctx.today())]
    doc["window_state"] = p.window_state(ctx.today())
    return doc


@router.post("/admin/reload", tags=["admin"], summary="重新读取政策语料与办理模式配置")
def reload(ctx: Context = Depends(context), p: Principal = Depends(staff_with("admin"))) -> Dict[str, Any]:
    ps = ctx.reload()
    return {"status": "ok", "policies": len(ps), "ruleset_version": ps.version,
            "corpus_errors": [str(e) for e in ps.errors][:50], "warnings": ps.warnings[:50]}
