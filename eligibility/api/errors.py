"""Every error is a 4xx JSON body {error: {code, message (Chinese), detail (English)}}; never a bare 500."""

from __future__ import annotations

import logging
from typing import Any, Dict, List

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException

from eligibility.api.response import MaskedJSONResponse
from eligibility.errors import AppError

log = logging.getLogger("eligibility")

HTTP_MESSAGES = {
    400: ("bad_request", "请求格式不正确，请检查后重试。"),
    401: ("auth_required", "请先登录。"),
    403: ("forbidden", "您没有权限进行此操作。"),
    404: ("not_found", "您访问的地址不存在。"),
    405: ("method_not_allowed", "该地址不支持这种请求方式。"),
    413: ("body_too_large", "请求内容过大。"),
    415: ("unsupported_media_type", "请以 JSON 格式提交。"),
}


def _where(loc: Any) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path")]
    return ".".join(parts) or "请求体"


def _validation_body(errors: List[Dict[str, Any]]) -> Dict[str, Any]:
    fields = [{"field": _where(e.get("loc", ())), "message": _zh(e), "detail": str(e.get("msg", ""))} for e in errors[:20]]
    if any("json" in str(e.get("type", "")) for e in errors):
        message = "请求体不是合法的 JSON，请检查格式后重试。"
    else:
        message = "请求内容不符合要求：" + "；".join(f"{f['field']} {f['message']}" for f in fields[:5])
    detail = "; ".join(f"{f['field']}: {f['detail']}" for f in fields)
    return {"error": {"code": "invalid_request", "message": message, "detail": detail, "fields": fields}}


def _zh(err: Dict[str, Any]) -> str:
    kind = str(err.get("type", ""))
    if kind == "value_error.missing":
        return "为必填项"
    if kind == "value_error.extra":
        return "不是可接受的字段"
    if kind.startswith("value_error.any_str.max_length"):
        return "过长"
    if kind.startswith("value_error.any_str.min_length"):
        return "过短"
    if kind.startswith("value_error.const") or kind.startswith("value_error.literal"):
        return "取值不在允许范围内"
    if kind.startswith("type_error"):
        return "类型不正确"
    if kind.startswith("value_error.jsondecode") or kind == "json_invalid":
        return "不是合法的 JSON"
    if kind.startswith("value_error.str.regex"):
        return "格式不正确"
    return "不符合要求"


def install(app: FastAPI) -> None:
    @app.exception_handler(AppError)
    async def _app_error(_: Request, exc: AppError) -> MaskedJSONResponse:
        headers = {"WWW-Authenticate": 'Bearer error="invalid_token"'} if exc.status == 401 else None
        if exc.status == 429 and "retry_after" in exc.extra:
            headers = {"Retry-After": str(exc.extra["retry_after"])}
        return MaskedJSONResponse(exc.body(), status_code=exc.status, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> MaskedJSONResponse:
        return MaskedJSONResponse(_validation_body(list(exc.errors())), status_code=422)

    @app.exception_handler(HTTPException)
    async def _http(_: Request, exc: HTTPException) -> MaskedJSONResponse:
        code, message = HTTP_MESSAGES.get(exc.status_code, ("http_error", "请求无法处理。"))
        return MaskedJSONResponse({"error": {"code": code, "message": message, "detail": str(exc.detail)}},
                                  status_code=exc.status_code, headers=getattr(exc, "headers", None))

    @app.exception_handler(RecursionError)
    async def _deep(_: Request, exc: RecursionError) -> MaskedJSONResponse:
        return MaskedJSONResponse({"error": {"code": "body_too_deep", "message": "请求内容嵌套层级过深。",
                                             "detail": "nesting too deep"}}, status_code=400)

    @app.exception_handler(Exception)
    async def _unexpected(_: Request, exc: Exception) -> MaskedJSONResponse:
        log.exception("unexpected error")
        return MaskedJSONResponse({"error": {"code": "internal_error", "message": "系统繁忙，请稍后再试。",
                                             "detail": type(exc).__name__}}, status_code=500)
