"""JSON responses with citizen ID numbers masked, whatever produced them, plus a body-size guard."""

from __future__ import annotations

import json
from typing import Any

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from privacy.masking import mask_json


class MaskedJSONResponse(JSONResponse):
    """Every string in the answer masked (ID numbers, phones, bank accounts) before it is serialised, so
    the JSON stays valid whatever it holds."""

    def render(self, content: Any) -> bytes:
        # (what json renders with default=str — dates, times — holds no personal data)
        return json.dumps(mask_json(content), ensure_ascii=False, allow_nan=False, separators=(",", ":"),
                          default=str).encode("utf-8")


def created_or_replayed(out: Any, replayed: bool) -> MaskedJSONResponse:
    """201 for what a request created, 200 with ``Idempotent-Replayed: true`` for a replay of its key."""
    return MaskedJSONResponse(out, status_code=200 if replayed else 201,
                              headers={"Idempotent-Replayed": "true" if replayed else "false"})


class BodyLimit:
    """Refuses bodies over ``limit`` bytes with 413 before anything reads them."""

    def __init__(self, app: ASGIApp, limit: int):
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = dict(scope.get("headers") or []).get(b"content-length")
        too_big = length is not None and (not length.isdigit() or int(length) > self.limit)
        if not too_big:
            seen = 0

            async def limited() -> Any:
                nonlocal seen
                message = await receive()
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    raise _TooLarge()
                return message

            try:
                await self.app(scope, limited, send)
            except _TooLarge:
                await self._refuse(send)
            return
        await self._refuse(send)

    async def _refuse(self, send: Send) -> None:
        body = MaskedJSONResponse({"error": {"code": "body_too_large", "message": "请求内容过大。",
                                             "detail": f"limit is {self.limit} bytes"}}, status_code=413).body
        await send({"type": "http.response.start", "status": 413,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})


class _TooLarge(Exception):
    pass
