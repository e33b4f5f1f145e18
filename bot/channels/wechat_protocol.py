"""The Official Account's server protocol: signatures, the safe-mode envelope, inbound XML, passive replies.

Signatures and the AES envelope are wechatpy 1.8.18's (``WeChatSigner``, ``wechatpy.crypto.WeChatCrypto``:
AES-256-CBC, IV = key[:16], PKCS#7 to 32 bytes, the AppID checked after decrypting); parsing is
``wechatpy.parse_message``. What this module adds: constant-time comparisons, a size limit, no DTDs, and
one normalised :class:`Inbound` for what the channel needs, or a :class:`Rejected` with the HTTP status."""

from __future__ import annotations

import hmac
import re
import time
from dataclasses import dataclass, field
from typing import Any, Dict, Optional

from wechatpy import parse_message
from wechatpy.crypto import PrpCrypto, WeChatCrypto
from wechatpy.exceptions import InvalidAppIdException, InvalidSignatureException
from wechatpy.replies import TextReply
from wechatpy.utils import WeChatSigner

OPENID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")  # OpenIDs are 28 characters of this alphabet
NONCE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


class Rejected(Exception):
    """A request that gets no answer but an HTTP status: 400 malformed, 403 forged or replayed, 413 too big."""

    def __init__(self, status: int, reason: str):
        super().__init__(reason)
        self.status, self.reason = status, reason


def signature(*parts: str) -> str:
    """sha1 over the sorted parts (token, timestamp, nonce[, encrypt]) — WeChat's signature."""
    signer = WeChatSigner()
    signer.add_data(*parts)
    return str(signer.signature)


def signature_ok(token: str, given: str, timestamp: str, nonce: str) -> bool:
    return hmac.compare_digest(signature(token, timestamp, nonce).encode(), (given or "").encode())


def check_query(token: str, args: Dict[str, str], max_age_s: float = 0.0, now: Optional[float] = None) -> None:
    """The signature, timestamp and nonce every request carries; raises :class:`Rejected`."""
    sig, timestamp, nonce = args.get("signature"), args.get("timestamp"), args.get("nonce")
    if not sig or not timestamp or not nonce:
        raise Rejected(400, "signature, timestamp and nonce are required")
    if not timestamp.isdigit() or len(timestamp) > 12 or not NONCE.match(nonce) or len(sig) > 64:
        raise Rejected(400, "malformed timestamp or nonce")
    if not signature_ok(token, sig, timestamp, nonce):
        raise Rejected(403, "bad signature")
    if max_age_s > 0 and abs((now or time.time()) - int(timestamp)) > max_age_s:
        raise Rejected(403, "stale timestamp (replay)")


class Envelope:
    """Safe mode (安全模式): the encrypted envelope of a message and of a passive reply."""

    def __init__(self, token: str, aes_key: str, appid: str):
        if len(aes_key) != 43:
            raise ValueError("an EncodingAESKey has 43 characters")
        self.crypto = WeChatCrypto(token, aes_key, appid)
        self.token, self.appid = token, appid

    def open(self, body: str, msg_signature: str, timestamp: str, nonce: str) -> str:
        """The plaintext XML inside; raises :class:`Rejected` (403 forged, 400 malformed)."""
        encrypted = _encrypted_field(body)
        if not hmac.compare_digest(signature(self.token, timestamp, nonce, encrypted).encode(),
                                   (msg_signature or "").encode()):
            raise Rejected(403, "bad msg_signature")
        try:
            return str(PrpCrypto(self.crypto.key).decrypt(encrypted, self.appid))
        except (InvalidAppIdException, InvalidSignatureException):
            raise Rejected(403, "the envelope is for another AppID") from None
        except Exception:  # bad base64, padding, length: not something WeChat sent
            raise Rejected(400, "the envelope does not decrypt") from None

    def seal(self, xml: str, nonce: str, timestamp: Optional[str] = None) -> str:
        return str(self.crypto.encrypt_message(xml, nonce, timestamp or str(int(time.time()))))


def _encrypted_field(body: str) -> str:
    xml = _xml(body)
    encrypted = xml.get("Encrypt")
    if not isinstance(encrypted, str) or not encrypted or len(encrypted) > 200_000:
        raise Rejected(400, "no Encrypt element")
    return encrypted


def _xml(body: str) -> Dict[str, Any]:
    import xmltodict

    if "<!DOCTYPE" in body or "<!ENTITY" in body:  # WeChat never sends a DTD; entities are an attack
        raise Rejected(400, "a DTD is not accepted")
    try:
        root = xmltodict.parse(body)
    except Exception:
        raise Rejected(400, "malformed XML") from None
    xml = root.get("xml") if isinstance(root, dict) else None
    if not isinstance(xml, dict):
        raise Rejected(400, "the root element must be <xml>")
    return dict(xml)


@dataclass
class Inbound:
    """One message or event from a user, as the channel needs it."""

    kind: str  # text, voice, location, event, or the MsgType of anything else (image, video, link…)
    openid: str
    account: str  # ToUserName: the Official Account's original id
    create_time: int
    msg_id: Optional[int] = None
    text: Optional[str] = None  # the text, or the voice's recognition
    event: Optional[str] = None  # subscribe, unsubscribe, click, view, scan, location…
    event_key: Optional[str] = None
    location: Optional[Dict[str, Any]] = None
    extra: Dict[str, Any] = field(default_factory=dict)

    @property
    def dedup_key(self) -> str:
        """MsgId for messages; FromUserName + CreateTime for events, as WeChat advises, with the event and its
        key (a retry repeats them; two menu clicks within one second do not)."""
        if self.msg_id:
            return f"msg:{self.msg_id}"
        return f"event:{self.openid}:{self.create_time}:{self.event or self.kind}:{(self.event_key or '')[:128]}"


def parse(body: str) -> Inbound:
    """The plaintext XML as an :class:`Inbound`; raises :class:`Rejected` (400) when it is not one."""
    _xml(body)  # well-formed, no DTD, <xml> root
    try:
        msg = parse_message(body)
        kind = str(msg.type).lower()
        openid, account, created = msg.source, msg.target, msg.time
        msg_id = int(msg.id or 0) or None
    except Rejected:
        raise
    except Exception:
        raise Rejected(400, "not a WeChat message") from None
    if not isinstance(openid, str) or not OPENID.match(openid):
        raise Rejected(400, "FromUserName is not an OpenID")
    if not isinstance(account, str) or not account or len(account) > 64:
        raise Rejected(400, "ToUserName is missing")
    if not isinstance(created, int) or created <= 0:
        raise Rejected(400, "CreateTime is missing")
    inbound = Inbound(kind=kind, openid=openid, account=account, create_time=created, msg_id=msg_id)
    data = msg._data
    if kind == "text":
        inbound.text = _string(data.get("Content"))
    elif kind == "voice":
        inbound.text = _string(data.get("Recognition"))
    elif kind == "location":
        inbound.location = {"latitude": _number(data.get("Location_X")), "longitude": _number(data.get("Location_Y")),
                            "scale": _number(data.get("Scale")), "label": _string(data.get("Label"))}
    elif kind == "event":
        inbound.event = str(getattr(msg, "event", "") or _string(data.get("Event")) or "").lower()
        key = data.get("EventKey")
        inbound.event_key = _string(key) if key is not None else None
    return inbound


def _string(value: Any) -> Optional[str]:
    return value if isinstance(value, str) else None


def _number(value: Any) -> Optional[float]:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def reply_xml(inbound: Inbound, text: str, now: Optional[int] = None) -> str:
    """A passive text reply (To/From swapped). ``]]>`` cannot stand inside CDATA, so it is broken up."""
    content = text.replace("]]>", "]] >")
    return str(TextReply(source=inbound.account, target=inbound.openid, content=content,
                         time=now or int(time.time())).render())
