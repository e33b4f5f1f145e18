"""The Official Account's HTTP API, the few calls the channel makes: the access token, customer-service
messages (客服消息) and the menu. Asynchronous (httpx), so the Rasa server's loop never blocks.

The access token is cached and refreshed before it expires (5 minutes early, or a fifth of its life if
that is shorter), by one caller at a time; a call answered 40001/40014/42001 (token invalid or expired)
refreshes it and is retried once. Other WeChat error codes are raised as :class:`ApiError` for the
outbox to decide (45015 outside the 48-hour window, 45047 too many messages: kept and retried).
Bodies are sent as UTF-8 JSON (``ensure_ascii=False``: WeChat shows ``\\uXXXX`` escapes literally)."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from typing import Any, Callable, Dict, Optional

import httpx

TOKEN_INVALID = {40001, 40014, 42001}
OUT_OF_WINDOW = 45015  # "response out of time limit or subscription is canceled"
TOO_MANY = 45047  # "out of response count limit"
BUSY = -1  # "system error": try later

# httpx logs every request line at INFO, and these URLs carry the AppSecret and the access token
logging.getLogger("httpx").setLevel(logging.WARNING)
logging.getLogger("httpcore").setLevel(logging.WARNING)


class ApiError(Exception):
    """WeChat answered ``{"errcode": n, "errmsg": …}`` with n ≠ 0, or could not be reached (``errcode`` None)."""

    def __init__(self, errcode: Optional[int], errmsg: str, status: int = 200):
        super().__init__(f"{errcode}: {errmsg}")
        self.errcode, self.errmsg, self.status = errcode, errmsg[:200], status

    @property
    def transient(self) -> bool:
        return self.errcode is None or self.errcode == BUSY


class WeChatApi:
    def __init__(self, base: str, appid: str, secret: str, timeout_s: float = 10.0,
                 clock: Callable[[], float] = time.time):
        self.base, self.appid, self.secret = base.rstrip("/"), appid, secret
        self.timeout_s, self.clock = timeout_s, clock
        self._token: Optional[str] = None
        self._expires_at = 0.0
        self._lock: Optional[asyncio.Lock] = None
        self._client: Optional[httpx.AsyncClient] = None
        self.token_fetches = 0

    def _http(self) -> httpx.AsyncClient:
        if self._client is None or self._client.is_closed:
            self._client = httpx.AsyncClient(base_url=self.base, timeout=self.timeout_s)
        return self._client

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    async def _request(self, method: str, path: str, **kwargs: Any) -> Dict[str, Any]:
        try:
            resp = await self._http().request(method, path, **kwargs)
        except httpx.HTTPError as exc:
            raise ApiError(None, f"unreachable: {type(exc).__name__}") from None
        if resp.status_code >= 400:
            raise ApiError(None, f"HTTP {resp.status_code}", resp.status_code)
        try:
            data = resp.json()
        except ValueError:
            raise ApiError(None, "not JSON", resp.status_code) from None
        if not isinstance(data, dict):
            raise ApiError(None, "not a JSON object", resp.status_code)
        code = data.get("errcode")
        if code not in (None, 0):
            raise ApiError(int(code), str(data.get("errmsg") or ""))
        return data

    async def access_token(self) -> str:
        if self._token and self.clock() < self._expires_at:
            return self._token
        if self._lock is None:
            self._lock = asyncio.Lock()
        async with self._lock:  # one refresh at a time; the others take its result
            if self._token and self.clock() < self._expires_at:
                return self._token
            data = await self._request("GET", "/cgi-bin/token", params={
                "grant_type": "client_credential", "appid": self.appid, "secret": self.secret})
            token, lifetime = data.get("access_token"), float(data.get("expires_in") or 7200)
            if not isinstance(token, str) or not token:
                raise ApiError(None, "no access_token in the answer")
            self.token_fetches += 1
            self._token = token
            self._expires_at = self.clock() + lifetime - min(300.0, lifetime / 5)
            return token

    def invalidate(self, token: Optional[str] = None) -> None:
        """Forget the token (WeChat said it is invalid), unless another caller already replaced it."""
        if token is None or token == self._token:
            self._token, self._expires_at = None, 0.0

    async def post(self, path: str, body: Dict[str, Any]) -> Dict[str, Any]:
        """POST ``body`` with the access token; a token WeChat rejects is refreshed and the call retried once."""
        payload = json.dumps(body, ensure_ascii=False).encode("utf-8")
        headers = {"Content-Type": "application/json; charset=utf-8"}
        for attempt in (1, 2):
            token = await self.access_token()
            try:
                return await self._request("POST", path, params={"access_token": token}, content=payload,
                                           headers=headers)
            except ApiError as exc:
                if exc.errcode in TOKEN_INVALID and attempt == 1:
                    self.invalidate(token)
                    continue
                raise
        raise AssertionError("unreachable")

    async def send(self, message: Dict[str, Any]) -> None:
        """One customer-service message: ``{"touser", "msgtype", …}``."""
        await self.post("/cgi-bin/message/custom/send", message)

    async def send_text(self, openid: str, content: str) -> None:
        await self.send(text_message(openid, content))

    async def create_menu(self, menu: Dict[str, Any]) -> None:
        await self.post("/cgi-bin/menu/create", menu)


def text_message(openid: str, content: str) -> Dict[str, Any]:
    return {"touser": openid, "msgtype": "text", "text": {"content": content}}
