"""Errors the service reports: an HTTP status, a machine-readable code, a Chinese message, English detail."""

from __future__ import annotations

from typing import Any, Dict, List, Optional


class AppError(Exception):
    def __init__(self, status: int, code: str, message: str, detail: str = "",
                 extra: Optional[Dict[str, Any]] = None):
        super().__init__(detail or code)
        self.status = status
        self.code = code
        self.message = message
        self.detail = detail
        self.extra = extra or {}

    def body(self) -> Dict[str, Any]:
        return {"error": {"code": self.code, "message": self.message, "detail": self.detail, **self.extra}}


def not_found(what: str, ident: str, code: str) -> AppError:
    return AppError(404, code, f"未找到{what}“{ident}”，请核对后重试。", f"{code.replace('_', ' ')}: {ident}")


def invalid(code: str, message: str, detail: str, fields: Optional[List[Dict[str, str]]] = None) -> AppError:
    return AppError(422, code, message, detail, {"fields": fields} if fields else None)
