"""What the bot says, as WeChat text: buttons become numbered options, long text is split at sentence ends.

A WeChat text message has no buttons. Each button of a turn is listed as ``1. 标题``; the options are
remembered for the user until their next turn, and a reply of ``1`` (or ``１``, ``1.``, ``第1个``) or of
the option's words sends the button's payload, exactly as tapping it would on the web.

WeChat takes at most 2048 bytes of text in one message (passive reply and customer-service API). A long
answer is split into several messages, only between sentences (。！？；… outside brackets and book-title
marks) or lines, so a sentence or a citation line ``依据：《…》…（…）`` is never cut; only a single
sentence longer than the limit is cut, at a comma if it has one."""

from __future__ import annotations

import re
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, Dict, Iterable, List, Optional, Tuple

OPTIONS_HEADER = "回复序号即可选择："
SENTENCE_END = set("。！？；!?;…")
CLOSERS = set("”’」』）)】〕》\"'")
OPENERS = {"《": "》", "（": "）", "(": ")", "「": "」", "『": "』", "【": "】", "“": "”"}
SOFT_BREAK = set("，、,：:")
_FULL_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")
_CHOICE = re.compile(r"^(?:第|选|选择)?[（(]?(\d{1,2})[)）]?(?:[.、．。:：]|个|项|号)?$")
_PUNCT = re.compile(r"[\s\u3000。，、！？!?,.:：;；“”\"'‘’（）()《》【】\[\]]+")


@dataclass(frozen=True)
class Option:
    number: int
    title: str
    payload: str


def render_turn(messages: Iterable[Dict[str, Any]]) -> Tuple[str, List[Option]]:
    """One turn's bot messages as one text, and the numbered options its buttons became."""
    parts: List[str] = []
    options: List[Option] = []
    for message in messages:
        text = str(message.get("text") or "").strip()
        for key, label in (("image", "图片"), ("attachment", "附件")):
            if message.get(key):
                text = f"{text}\n{label}：{message[key]}".strip()
        if text:
            parts.append(text)
        buttons = [b for b in message.get("buttons") or [] if isinstance(b, dict) and b.get("payload")]
        if buttons:
            lines = []
            for button in buttons:
                option = Option(len(options) + 1, str(button.get("title") or button["payload"]), str(button["payload"]))
                options.append(option)
                lines.append(f"{option.number}. {option.title}")
            parts.append("\n".join([OPTIONS_HEADER, *lines]))
    return "\n\n".join(parts), options


def utf8_len(text: str) -> int:
    return len(text.encode("utf-8"))


def sentences(text: str) -> List[str]:
    """The text cut after each sentence end or line break outside brackets; joined back, the same text."""
    out: List[str] = []
    start = 0
    depth_stack: List[str] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch == "\n":
            depth_stack.clear()
            out.append(text[start:i + 1])
            start = i + 1
        elif ch in OPENERS:
            depth_stack.append(OPENERS[ch])
        elif depth_stack and ch == depth_stack[-1]:
            depth_stack.pop()
        elif ch in SENTENCE_END and not depth_stack:
            j = i + 1
            while j < n and (text[j] in SENTENCE_END or text[j] in CLOSERS):
                j += 1
            while j < n and text[j] in " \t\u3000":
                j += 1
            out.append(text[start:j])
            start = i = j
            continue
        i += 1
    if start < n:
        out.append(text[start:])
    return [s for s in out if s]


def _hard_split(piece: str, limit: int) -> List[str]:
    """A single sentence over the limit: cut at the last comma that fits, else at the limit."""
    out: List[str] = []
    while utf8_len(piece) > limit:
        cut, size, soft = 0, 0, 0
        for k, ch in enumerate(piece):
            size += utf8_len(ch)
            if size > limit:
                break
            cut = k + 1
            if ch in SOFT_BREAK:
                soft = k + 1
        cut = soft or cut or 1
        out.append(piece[:cut])
        piece = piece[cut:]
    if piece:
        out.append(piece)
    return out


def split_text(text: str, limit_bytes: int = 2048) -> List[str]:
    """Messages of at most ``limit_bytes`` UTF-8 bytes, cut only between sentences or lines."""
    text = text.strip()
    if not text:
        return []
    if utf8_len(text) <= limit_bytes:
        return [text]
    chunks: List[str] = []
    current = ""
    for piece in sentences(text):
        if utf8_len(current + piece) <= limit_bytes:
            current += piece
            continue
        if current.strip():
            chunks.append(current.strip())
        current = ""
        if utf8_len(piece) <= limit_bytes:
            current = piece
        else:
            *whole, current = _hard_split(piece, limit_bytes)
            chunks.extend(w.strip() for w in whole if w.strip())
    if current.strip():
        chunks.append(current.strip())
    return chunks


def normalise(text: str) -> str:
    return _PUNCT.sub("", text.translate(_FULL_DIGITS)).casefold()


class OptionMemory:
    """The numbered options last shown to each user (thread-safe, bounded, forgotten after ``ttl_s``)."""

    def __init__(self, ttl_s: float = 3600.0, max_users: int = 100_000):
        self.ttl_s, self.max_users = ttl_s, max_users
        self._options: OrderedDict[str, Tuple[float, List[Option]]] = OrderedDict()
        self._lock = threading.Lock()

    def remember(self, sender: str, options: List[Option]) -> None:
        """The options of the user's latest turn; a turn without buttons clears them (so that a number the
        user types next is read as a number)."""
        with self._lock:
            self._options.pop(sender, None)
            if options:
                self._options[sender] = (time.monotonic(), list(options))
                while len(self._options) > self.max_users:
                    self._options.popitem(last=False)

    def options(self, sender: str) -> List[Option]:
        with self._lock:
            entry = self._options.get(sender)
        if entry is None or time.monotonic() - entry[0] > self.ttl_s:
            return []
        return entry[1]

    def resolve(self, sender: str, text: str) -> Optional[Option]:
        """The option the user's reply picks, by its number or its words; None when it picks none."""
        options = self.options(sender)
        if not options or not text:
            return None
        typed = text.strip().translate(_FULL_DIGITS)
        found = _CHOICE.match(typed.replace(" ", ""))
        if found:
            number = int(found.group(1))
            return next((o for o in options if o.number == number), None)
        words = normalise(typed)
        if not words:
            return None
        return next((o for o in options if normalise(o.title) == words), None)

    def forget(self, sender: str) -> None:
        with self._lock:
            self._options.pop(sender, None)
