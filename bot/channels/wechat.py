"""The WeChat Official Account (公众号) as a Rasa input channel: ``/webhooks/wechat/webhook``.

credentials.yml: ``bot.channels.wechat.WeChatInput:`` (secrets from the environment: WECHAT_TOKEN,
WECHAT_APPID, WECHAT_SECRET, WECHAT_AES_KEY; development values otherwise, see ``wechat_config``).

- GET: URL verification — the signature (sha1 over the sorted token, timestamp, nonce) checked, ``echostr``
  returned verbatim.
- POST: the signature checked (403 if forged; 403 too when the timestamp is more than ``max_age_s`` old,
  a replay: WeChat's own retries come within seconds), in safe mode (``encrypt_type=aes``) also
  ``msg_signature`` and the AppID inside the envelope; 400 for missing parameters or malformed XML, 413
  over ``max_body_bytes``. Never a 500: anything unexpected is logged (masked) and answered ``success``.
- Each message or event runs once (``wechat_dedup``: MsgId, or FromUserName + CreateTime for events); its
  repeated deliveries wait for that run and get the same reply.
- The answer goes back in the HTTP response (passive reply) when the bot is done within
  ``passive_timeout_s`` (4.5 s; WeChat gives up at 5 s); otherwise the response is ``success`` at once and
  the answer goes through the customer-service API from the outbox when ready. An answer longer than one
  WeChat message: the first part passively, the rest through the API.
- Text; voice by its ``Recognition`` text; location as “我的位置：…” with the coordinates in the metadata;
  subscribe → welcome and the menu as numbered options; menu CLICK → the key's intent (``wechat_menu``);
  unsubscribe → the user's binding and personal data removed at the eligibility service (retried from
  the outbox file if the service is down), the Rasa conversation, remembered options and queued
  messages deleted.
- Buttons are numbered options: “1” or the option's words send the button's payload (``wechat_render``).

The Rasa conversation id is ``wx:<OpenID>`` and the input channel ``wechat``; the eligibility service
keeps a WeChat binding 180 days (the OpenID is WeChat's, not something typed)."""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any, Awaitable, Callable, Dict, List, Optional, Tuple

import httpx
from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, OutputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels import metrics
from bot.channels.wechat_api import WeChatApi
from bot.channels.wechat_config import WeChatSettings
from bot.channels.wechat_dedup import Turn, Turns
from bot.channels.wechat_menu import MENU, WELCOME, WELCOME_OPTIONS, MenuAction
from bot.channels.wechat_outbox import Deliverer, Outbox, user_ref
from bot.channels.wechat_protocol import Envelope, Inbound, Rejected, check_query, parse, reply_xml
from bot.channels.wechat_render import OptionMemory, render_turn, split_text
from privacy.masking import mask_text

log = logging.getLogger(__name__)

SENDER_PREFIX = "wx:"
APOLOGY = "抱歉，系统暂时出了点问题，请稍后再试，或发送“转人工”。"
VOICE_UNHEARD = "没有听清您的语音，请再说一遍，或者直接发文字。"
UNSUPPORTED = "目前只能处理文字、语音和位置消息，请用文字描述您的问题。"
STALE_MENU = "这个菜单已更新，请重新进入公众号后再试。"
MAX_TEXT_CHARS = 2000  # what a user message is cut to before the bot reads it

OnNewMessage = Callable[[UserMessage], Awaitable[Any]]


def sender_id(openid: str) -> str:
    return f"{SENDER_PREFIX}{openid}"


class WeChatOutput(CollectingOutputChannel):
    """Collects a turn's bot messages; responses may have ``channel: wechat`` variants."""

    @classmethod
    def name(cls) -> str:
        return "wechat"


class WeChatPushOutput(OutputChannel):
    """Messages outside a user's own turn (an operator's reply in a handoff, a reminder), appended to the
    conversation through Rasa's API: sent through the customer-service API from the outbox."""

    def __init__(self, channel: WeChatInput) -> None:
        self.channel = channel

    @classmethod
    def name(cls) -> str:
        return "wechat"

    async def send_response(self, recipient_id: str, message: Dict[str, Any]) -> None:
        if not recipient_id.startswith(SENDER_PREFIX):
            log.warning("wechat: a pushed message for a conversation of another channel was dropped")
            return
        rendered, options = render_turn([message])
        self.channel.options.remember(recipient_id, options)
        self.channel.queue(recipient_id[len(SENDER_PREFIX):], split_text(rendered, self.channel.settings.text_limit_bytes))
        metrics.sent("wechat")

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        await self.send_response(recipient_id, {"text": text})


class WeChatInput(InputChannel):
    @classmethod
    def name(cls) -> str:
        return "wechat"

    def get_output_channel(self) -> Optional[OutputChannel]:
        return WeChatPushOutput(self)

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[str, Any]]) -> InputChannel:
        return cls(WeChatSettings.load(credentials))

    def __init__(self, settings: Optional[WeChatSettings] = None) -> None:
        self.settings = s = settings or WeChatSettings.load()
        self.envelope = Envelope(s.token, s.aes_key, s.appid) if s.aes_key else None
        # kept at least as long as a signed request is accepted: a replay within that window is a repeat
        self.turns = Turns(ttl_s=max(s.dedup_ttl_s, s.max_age_s))
        self.options = OptionMemory()
        self.api = WeChatApi(s.api_base, s.appid, s.secret, s.api_timeout_s)
        self.outbox = Outbox(s.outbox_path)
        self.deliverer = Deliverer(self.outbox, self.api.send, erase=self.erase, retry_base_s=s.retry_base_s,
                                   retry_max_s=s.retry_max_s)
        self.bot_runs = 0  # messages given to the bot (a repeated delivery is not)
        self._app: Any = None
        if s.development:
            log.warning("WeChat channel: development token/secret/AES key in use (set WECHAT_TOKEN, WECHAT_APPID, "
                        "WECHAT_SECRET and WECHAT_AES_KEY for a real Official Account)")

    # ---- HTTP ------------------------------------------------------------------------------------

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        bp = Blueprint("wechat_webhook", __name__)

        @bp.listener("after_server_start")
        async def start_delivery(app: Any, loop: Any) -> None:
            self._app = app
            self.deliverer.start()  # resumes what a previous run left in the outbox

        @bp.route("/", methods=["GET"])
        async def health(request: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @bp.route("/webhook", methods=["GET"])
        async def verify(request: Request) -> HTTPResponse:
            try:
                check_query(self.settings.token, _args(request))  # no age limit: the console's check is a one-off
                echostr = request.args.get("echostr")
                if not echostr or len(echostr) > 1024:
                    raise Rejected(400, "echostr is required")
            except Rejected as rejected:
                log.warning("wechat: URL verification refused (%d %s)", rejected.status, rejected.reason)
                return response.text(rejected.reason, status=rejected.status)
            return response.text(echostr)

        @bp.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            arrived = time.monotonic()
            try:
                return await self.handle_post(request, on_new_message, arrived)
            except Rejected as rejected:
                log.warning("wechat: request refused (%d %s)", rejected.status, rejected.reason)
                return response.text(rejected.reason, status=rejected.status)
            except Exception as exc:  # never a 500: WeChat would retry and then tell the user the account is down
                log.error("wechat: unexpected error: %s", mask_text(f"{type(exc).__name__}: {exc}"))
                return response.text("success")

        return bp

    async def handle_post(self, request: Request, on_new_message: OnNewMessage, arrived: float) -> HTTPResponse:
        s = self.settings
        if len(request.body or b"") > s.max_body_bytes:
            raise Rejected(413, "message too large")
        args = _args(request)
        check_query(s.token, args, max_age_s=s.max_age_s)
        try:
            body = (request.body or b"").decode("utf-8")
        except UnicodeDecodeError:
            raise Rejected(400, "not UTF-8") from None
        safe = args.get("encrypt_type") == "aes"
        if safe:
            if self.envelope is None:
                raise Rejected(400, "safe mode is not configured (WECHAT_AES_KEY)")
            if not args.get("msg_signature"):
                raise Rejected(400, "msg_signature is required in safe mode")
            body = self.envelope.open(body, args["msg_signature"], args["timestamp"], args["nonce"])
        inbound = parse(body)
        self._app = self._app or request.app
        self.deliverer.start()
        text, created = await self.answer(inbound, on_new_message, arrived + s.passive_timeout_s, request.app)
        if not text:
            return response.text("success")
        xml = reply_xml(inbound, text, created)
        if safe and self.envelope is not None:
            xml = self.envelope.seal(xml, args["nonce"])
        return response.text(xml, content_type="application/xml; charset=utf-8")

    # ---- one message: dedup, passive or asynchronous ----------------------------------------------

    async def answer(self, inbound: Inbound, on_new_message: OnNewMessage, deadline: float,
                     app: Any = None) -> Tuple[str, int]:
        """The passive reply's text ("" for none: the response is ``success``) and its CreateTime, the same
        for every delivery of the message."""
        if inbound.event != "unsubscribe" and self.outbox.wake(inbound.openid):
            self.deliverer.kick()  # the user wrote: what waited for their 48-hour window goes now
        turn, first = self.turns.get_or_start(inbound.dedup_key, lambda: self.run_turn(inbound, on_new_message, app))
        if not first:
            log.info("wechat: delivery %d of %s from %s answered by its first run", turn.deliveries,
                     inbound.dedup_key.split(":")[0], user_ref(inbound.openid))
        if not turn.task.done():
            await asyncio.wait({turn.task}, timeout=max(0.0, deadline - time.monotonic()))
        if turn.task.done() and turn.mode != "async":
            turn.mode = "passive"
            chunks: List[str] = turn.task.result()
            if len(chunks) > 1 and not turn.queued:
                turn.queued = True
                self.queue(inbound.openid, chunks[1:])
            return (chunks[0] if chunks else ""), turn.wall
        if turn.mode is None:  # too slow: answer "success" now, the API delivers the answer when it is ready
            turn.mode = "async"
            log.info("wechat: %s from %s not ready within %.1f s: answered later through the API",
                     inbound.kind, user_ref(inbound.openid), self.settings.passive_timeout_s)
            turn.task.add_done_callback(lambda _task: self._queue_turn(inbound.openid, turn))
        return "", turn.wall

    def _queue_turn(self, openid: str, turn: Turn) -> None:
        if turn.queued or turn.task.cancelled():
            return
        turn.queued = True
        self.queue(openid, turn.task.result())

    def queue(self, openid: str, chunks: List[str]) -> None:
        if not chunks:
            return
        self.outbox.add(openid, [{"touser": openid, "msgtype": "text", "text": {"content": c}} for c in chunks])
        self.deliverer.kick()

    async def run_turn(self, inbound: Inbound, on_new_message: OnNewMessage, app: Any = None) -> List[str]:
        """The answer to one inbound message as WeChat messages; never raises."""
        sender = sender_id(inbound.openid)
        try:
            if inbound.kind == "event":
                return await self._event(inbound, on_new_message, app)
            if inbound.kind in ("text", "voice"):
                text = (inbound.text or "").strip()[:MAX_TEXT_CHARS]
                if not text:
                    return [VOICE_UNHEARD] if inbound.kind == "voice" else []
                option = self.options.resolve(sender, text)
                if option is not None and option.payload in MENU:
                    return await self._menu(inbound, MENU[option.payload], on_new_message)
                return await self._bot(inbound, option.payload if option else text, on_new_message)
            if inbound.kind == "location" and inbound.location:
                place = inbound.location.get("label") or "{latitude},{longitude}".format(**inbound.location)
                return await self._bot(inbound, f"我的位置：{place}", on_new_message)
            return [UNSUPPORTED]
        except Exception as exc:
            log.error("wechat: the turn of %s from %s failed: %s", inbound.kind, user_ref(inbound.openid),
                      mask_text(f"{type(exc).__name__}: {exc}"))
            return [APOLOGY]

    async def _event(self, inbound: Inbound, on_new_message: OnNewMessage, app: Any) -> List[str]:
        if inbound.event in ("subscribe", "subscribe_scan"):
            return self._local(inbound, WELCOME, WELCOME_OPTIONS)
        if inbound.event == "unsubscribe":
            await self.unsubscribe(inbound.openid, app)
            return []
        if inbound.event == "click":
            action = MENU.get(inbound.event_key or "")
            if action is None:
                return [STALE_MENU]
            return await self._menu(inbound, action, on_new_message)
        return []  # VIEW (a link opened), LOCATION reports, SCAN, job notifications: nothing to say

    async def _menu(self, inbound: Inbound, action: MenuAction, on_new_message: OnNewMessage) -> List[str]:
        if action.payload:
            return await self._bot(inbound, action.payload, on_new_message)
        return self._local(inbound, action.reply or "", action.options)

    def _local(self, inbound: Inbound, text: str, options: Any) -> List[str]:
        buttons = [{"title": title, "payload": payload} for title, payload in options]
        rendered, numbered = render_turn([{"text": text, "buttons": buttons}])
        self.options.remember(sender_id(inbound.openid), numbered)
        return split_text(rendered, self.settings.text_limit_bytes)

    async def _bot(self, inbound: Inbound, text: str, on_new_message: OnNewMessage) -> List[str]:
        sender = sender_id(inbound.openid)
        collector = WeChatOutput()
        metadata: Dict[str, Any] = {"wechat": {"msg_type": inbound.kind, "create_time": inbound.create_time}}
        if inbound.location:
            metadata["wechat"]["location"] = inbound.location
        message_id = f"wx-{inbound.msg_id}" if inbound.msg_id else None
        self.bot_runs += 1
        async with metrics.turn(self.name(), sender) as turn:  # latency and counts (bot/channels/metrics.py)
            await on_new_message(UserMessage(text, collector, sender, input_channel=self.name(),
                                             message_id=message_id, metadata=metadata))
            turn.replies = len(collector.messages)
        rendered, options = render_turn(collector.messages)
        self.options.remember(sender, options)
        return split_text(rendered, self.settings.text_limit_bytes)

    # ---- unsubscribe: remove what we hold about the user ------------------------------------------

    async def unsubscribe(self, openid: str, app: Any = None) -> None:
        sender = sender_id(openid)
        self.options.forget(sender)
        dropped = self.outbox.drop(openid)
        await drop_conversation(app or self._app, sender)
        self.outbox.owe_erasure(sender)  # kept until the eligibility service confirms
        try:
            await self.erase(sender)
        except Exception as exc:
            log.warning("wechat: unsubscribe of %s: the eligibility service could not erase now (%s); "
                        "retried from the outbox", user_ref(openid), type(exc).__name__)
            self.deliverer.kick()
        else:
            self.outbox.erased(sender)
        log.info("wechat: %s unsubscribed: conversation, options and %d queued message(s) removed",
                 user_ref(openid), dropped)

    async def erase(self, conversation_id: str) -> Dict[str, Any]:
        return await erase_at_eligibility(self.settings.eligibility_url, self.settings.service_key, conversation_id)


def _args(request: Request) -> Dict[str, str]:
    return {k: str(request.args.get(k)) for k in ("signature", "timestamp", "nonce", "encrypt_type", "msg_signature")
            if request.args.get(k) is not None}


async def erase_at_eligibility(base_url: str, service_key: Optional[str], conversation_id: str,
                               timeout_s: float = 10.0) -> Dict[str, Any]:
    """As the action server does (its service token, ``X-Conversation-Id``): the bound subject's personal
    data deleted (``DELETE /me/data``, which needs the binding), then the binding, then what the conversation
    left unbound (``DELETE /auth/conversation``). Raises on any failure."""
    from eligibility.auth.tokens import service_token

    if not service_key:
        raise RuntimeError("POLICYBOT_SERVICE_KEY is not set: the eligibility service cannot be asked")
    headers = {"Authorization": f"Bearer {service_token(service_key)}", "X-Conversation-Id": conversation_id[:80]}
    async with httpx.AsyncClient(base_url=base_url, timeout=timeout_s) as client:
        binding = await client.get("/auth/binding", headers=headers)
        binding.raise_for_status()
        bound = bool(binding.json().get("bound"))
        deleted: Optional[Dict[str, Any]] = None
        if bound:
            resp = await client.delete("/me/data", headers=headers)
            resp.raise_for_status()
            deleted = resp.json()
        resp = await client.delete("/auth/binding", headers=headers)
        resp.raise_for_status()
        # and what the conversation left while nobody was bound (subscriptions, transcripts, remarks)
        resp = await client.delete("/auth/conversation", headers=headers)
        resp.raise_for_status()
    return {"bound": bound, "deleted": deleted, "conversation": resp.json().get("deleted")}


async def drop_conversation(app: Any, sender: str) -> bool:
    """Remove the Rasa conversation (tracker) of ``sender`` from the in-memory store, under its lock."""
    agent = getattr(getattr(app, "ctx", None), "agent", None)
    if agent is None:
        return False
    store = getattr(agent, "tracker_store", None)
    for _ in range(5):  # FailSafeTrackerStore(AwaitableTrackerStore(MaskingTrackerStore))
        if isinstance(getattr(store, "store", None), dict):
            break
        store = getattr(store, "_tracker_store", None)
    if store is None:
        log.error("wechat: the tracker store keeps no dict: the conversation of an unsubscribed user was not removed")
        return False
    lock_store = getattr(agent, "lock_store", None)
    if lock_store is not None:
        async with lock_store.lock(sender):  # after any turn of theirs still running
            removed = store.store.pop(sender, None) is not None
    else:
        removed = store.store.pop(sender, None) is not None
    getattr(store, "last_seen", {}).pop(sender, None)
    return removed
