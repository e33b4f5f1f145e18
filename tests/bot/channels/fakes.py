"""What the WeChat channel tests talk to: a fake WeChat API and a fake eligibility service (both served on
loopback), a fake bot in place of Rasa, and helpers that sign and encrypt messages as WeChat does."""

from __future__ import annotations

import asyncio
import hashlib
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Optional, Tuple

import jwt
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from rasa.core.channels.channel import UserMessage
from wechatpy.crypto import WeChatCrypto

from bot.channels.wechat_config import WeChatSettings

OPENID = "oTESTuser_0123456789abcdefgh"  # 28 characters, as WeChat's
ACCOUNT = "gh_0123456789ab"


# ---- messages as WeChat sends them ------------------------------------------------------------------

def sha1_sorted(*parts: str) -> str:
    return hashlib.sha1("".join(sorted(parts)).encode()).hexdigest()


def signed(token: str, timestamp: Optional[int] = None, nonce: Optional[str] = None) -> Dict[str, str]:
    ts = str(int(time.time()) if timestamp is None else timestamp)
    nonce = nonce or uuid.uuid4().hex[:10]
    return {"signature": sha1_sorted(token, ts, nonce), "timestamp": ts, "nonce": nonce}


def _xml(openid: str, created: int, msg_type: str, fields: str, msg_id: Optional[int]) -> str:
    mid = f"<MsgId>{msg_id}</MsgId>" if msg_id is not None else ""
    return (f"<xml><ToUserName><![CDATA[{ACCOUNT}]]></ToUserName><FromUserName><![CDATA[{openid}]]></FromUserName>"
            f"<CreateTime>{created}</CreateTime><MsgType><![CDATA[{msg_type}]]></MsgType>{fields}{mid}</xml>")


def text_xml(content: str, msg_id: int, openid: str = OPENID, created: Optional[int] = None) -> str:
    return _xml(openid, created or int(time.time()), "text", f"<Content><![CDATA[{content}]]></Content>", msg_id)


def voice_xml(recognition: Optional[str], msg_id: int, openid: str = OPENID) -> str:
    rec = f"<Recognition><![CDATA[{recognition}]]></Recognition>" if recognition is not None else ""
    return _xml(openid, int(time.time()), "voice",
                f"<MediaId><![CDATA[media1]]></MediaId><Format><![CDATA[amr]]></Format>{rec}", msg_id)


def location_xml(msg_id: int, label: str = "深圳市南山区科技园", openid: str = OPENID) -> str:
    return _xml(openid, int(time.time()), "location",
                f"<Location_X>22.540503</Location_X><Location_Y>113.934528</Location_Y><Scale>15</Scale>"
                f"<Label><![CDATA[{label}]]></Label>", msg_id)


def image_xml(msg_id: int, openid: str = OPENID) -> str:
    return _xml(openid, int(time.time()), "image",
                "<PicUrl><![CDATA[http://example.invalid/p.jpg]]></PicUrl><MediaId><![CDATA[m]]></MediaId>", msg_id)


def event_xml(event: str, key: Optional[str] = None, openid: str = OPENID, created: Optional[int] = None) -> str:
    fields = f"<Event><![CDATA[{event}]]></Event>"
    if key is not None:
        fields += f"<EventKey><![CDATA[{key}]]></EventKey>"
    return _xml(openid, created or int(time.time()), "event", fields, None)


def encrypted(settings: WeChatSettings, xml: str, query: Dict[str, str]) -> Tuple[str, Dict[str, str]]:
    """The safe-mode POST body and query for ``xml`` (the envelope as WeChat builds it)."""
    assert settings.aes_key
    crypto = WeChatCrypto(settings.token, settings.aes_key, settings.appid)
    envelope = crypto.encrypt_message(xml, query["nonce"], query["timestamp"])
    import xmltodict

    sealed = xmltodict.parse(envelope)["xml"]
    body = f"<xml><ToUserName><![CDATA[{ACCOUNT}]]></ToUserName><Encrypt><![CDATA[{sealed['Encrypt']}]]></Encrypt></xml>"
    return body, {**query, "encrypt_type": "aes", "msg_signature": sealed["MsgSignature"]}


# ---- the bot, in place of Rasa --------------------------------------------------------------------

CITED = ("高新技术企业认定后，区财政给予一次性奖励30万元。重新认定通过的，给予10万元奖励。\n"
         "依据：《某区促进科技创新若干措施（2024年修订）》第五条（区科技局，信息日期 2024-03-01）")
FOLLOW_UPS = [{"title": "需要什么材料", "payload": "需要什么材料"}, {"title": "我能申请吗", "payload": "/check_eligibility"},
              {"title": "一键申报", "payload": "/apply"}]


@dataclass
class FakeBot:
    """Records every message Rasa would get; answers with canned messages, optionally after a delay."""

    delay_s: float = 0.0
    calls: List[UserMessage] = field(default_factory=list)
    script: Optional[Callable[[str], List[Dict[str, Any]]]] = None

    def answers(self, text: str) -> List[Dict[str, Any]]:
        if self.script is not None:
            return self.script(text)
        if "高新技术企业" in text:
            return [{"text": CITED, "buttons": FOLLOW_UPS}, {"custom": {"citations": [{"doc_id": "ENT-001"}]}}]
        return [{"text": f"收到：{text}"}]

    async def __call__(self, message: UserMessage) -> None:
        self.calls.append(message)
        if self.delay_s:
            await asyncio.sleep(self.delay_s)
        for reply in self.answers(message.text or ""):
            await message.output_channel.send_response(message.sender_id, dict(reply))

    @property
    def texts(self) -> List[str]:
        return [m.text or "" for m in self.calls]


# ---- WeChat's API ---------------------------------------------------------------------------------

@dataclass
class FakeWeChatApi:
    """``/cgi-bin/token`` and ``/cgi-bin/message/custom/send`` as documented; can be told to fail."""

    appid: str
    secret: str
    expires_in: int = 7200
    tokens: Dict[str, float] = field(default_factory=dict)  # token -> expiry
    token_calls: int = 0
    messages: List[Dict[str, Any]] = field(default_factory=list)  # accepted customer-service messages
    refused: List[Tuple[int, Dict[str, Any]]] = field(default_factory=list)
    failures: List[Any] = field(default_factory=list)  # next answers to custom/send: an errcode or "http500"
    menus: List[Dict[str, Any]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def expire_tokens(self) -> None:
        with self.lock:
            self.tokens.clear()

    def fail_next(self, *answers: Any) -> None:
        with self.lock:
            self.failures.extend(answers)

    def app(self) -> FastAPI:
        api = FastAPI()

        @api.get("/cgi-bin/token")
        def token(grant_type: str = "", appid: str = "", secret: str = "") -> Dict[str, Any]:
            with self.lock:
                self.token_calls += 1
                if grant_type != "client_credential" or appid != self.appid or secret != self.secret:
                    return {"errcode": 40013, "errmsg": "invalid appid or secret"}
                value = f"TOKEN-{self.token_calls}-{uuid.uuid4().hex[:6]}"
                self.tokens[value] = time.time() + self.expires_in
                return {"access_token": value, "expires_in": self.expires_in}

        def token_error(access_token: str) -> Optional[Dict[str, Any]]:
            expiry = self.tokens.get(access_token)
            if expiry is None:
                return {"errcode": 40001, "errmsg": "invalid credential, access_token is invalid or not latest"}
            if expiry < time.time():
                return {"errcode": 42001, "errmsg": "access_token expired"}
            return None

        @api.post("/cgi-bin/message/custom/send")
        async def send(request: Request, access_token: str = "") -> Any:
            raw = await request.body()
            body = __import__("json").loads(raw.decode("utf-8"))  # UTF-8 JSON, as WeChat requires
            with self.lock:
                error = token_error(access_token)
                if error:
                    self.refused.append((error["errcode"], body))
                    return error
                if self.failures:
                    failure = self.failures.pop(0)
                    if failure == "http500":
                        return JSONResponse({"message": "internal"}, status_code=500)
                    self.refused.append((failure, body))
                    return {"errcode": failure, "errmsg": {45015: "response out of time limit or subscription is canceled",
                                                           45047: "out of response count limit"}.get(failure, "error")}
                content = body.get("text", {}).get("content", "")
                if body.get("msgtype") != "text" or not body.get("touser") or len(content.encode()) > 2048:
                    return {"errcode": 44002, "errmsg": "bad message"}
                self.messages.append(body)
                return {"errcode": 0, "errmsg": "ok"}

        @api.post("/cgi-bin/menu/create")
        async def menu(request: Request, access_token: str = "") -> Any:
            body = __import__("json").loads((await request.body()).decode("utf-8"))
            with self.lock:
                error = token_error(access_token)
                if error:
                    return error
                self.menus.append(body)
            return {"errcode": 0, "errmsg": "ok"}

        return api


# ---- the eligibility service, for unsubscribe ----------------------------------------------------

@dataclass
class FakeEligibility:
    """The three calls an unsubscribe makes, checking the service token and the conversation header."""

    service_key: str
    bound: Dict[str, bool] = field(default_factory=dict)  # conversation -> bound
    calls: List[Tuple[str, str, str]] = field(default_factory=list)  # (method, path, conversation)
    down: bool = False

    def app(self) -> FastAPI:
        api = FastAPI()

        def caller(request: Request) -> str:
            token = request.headers.get("authorization", "").removeprefix("Bearer ")
            jwt.decode(token, self.service_key, algorithms=["HS256"], audience="zhengcetong-eligibility",
                       issuer="policybot-actions")  # raises on a forged token
            conversation = request.headers["x-conversation-id"]
            self.calls.append((request.method, request.url.path, conversation))
            return conversation

        @api.get("/auth/binding")
        def binding(request: Request) -> Any:
            if self.down:
                return JSONResponse({"error": {"code": "unavailable"}}, status_code=503)
            return {"bound": self.bound.get(caller(request), False)}

        @api.delete("/me/data")
        def delete_data(request: Request) -> Any:
            conversation = caller(request)
            if not self.bound.get(conversation):
                return JSONResponse({"error": {"code": "not_bound"}}, status_code=403)
            return {"deleted": {"declared_fields": 2}, "kept": {}}

        @api.delete("/auth/binding")
        def unbind(request: Request) -> Any:
            conversation = caller(request)
            was = self.bound.pop(conversation, False)
            return {"bound": False, "unbound": was}

        @api.delete("/auth/conversation")
        def forget(request: Request) -> Any:
            caller(request)
            return {"deleted": {"subscriptions": 1}}

        return api
