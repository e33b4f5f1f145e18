"""The hostile-input corpus (tests/hostile/inputs.yaml) as Python values, for the tests and bench/bench_hostile.py."""

from __future__ import annotations

import time
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, List, Optional

import yaml

CORPUS = Path(__file__).with_name("inputs.yaml")
# what no reply may ever contain: a stack trace, a database error, a framework's error page
LEAKS = ("Traceback", "File \"/", "sqlite3.", "OperationalError", "IntegrityError", "psycopg",
         "sqlalchemy", "KeyError", "TypeError", "AttributeError", "rasa_sdk", "<!DOCTYPE html", "root:x:0:0")


@dataclass(frozen=True)
class Message:
    id: str
    kind: str
    text: str


@dataclass(frozen=True)
class Body:
    id: str
    data: bytes


@dataclass(frozen=True)
class WeChatBody:
    id: str
    expect: int
    template: str

    def xml(self, now: Optional[int] = None) -> str:
        return self.template.replace("{now}", str(now or int(time.time())))


def _generate(spec: Dict[str, Any]) -> str:
    repeat, length = str(spec["repeat"]), int(spec["length"])
    body = (repeat * (length // max(1, len(repeat)) + 1))[:length]
    return f"{spec.get('prefix', '')}{body}{spec.get('suffix', '')}"


def _text(entry: Dict[str, Any], key: str) -> str:
    return _generate(entry["generate"]) if "generate" in entry else str(entry[key])


@dataclass(frozen=True)
class Corpus:
    messages: List[Message]
    bodies: List[Body]
    wechat: List[WeChatBody]

    def __len__(self) -> int:
        return len(self.messages) + len(self.bodies) + len(self.wechat)

    def message(self, ident: str) -> Message:
        return next(m for m in self.messages if m.id == ident)


@lru_cache(maxsize=1)
def load(path: Path = CORPUS) -> Corpus:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    messages = [Message(e["id"], e["kind"], _text(e, "text")) for e in data["messages"]]
    bodies = []
    for e in data["bodies"]:
        raw = _text(e, "raw")
        payload = raw.encode("utf-8").decode("unicode_escape").encode("latin-1") if e.get("utf8") is False \
            else raw.encode("utf-8", "surrogatepass")
        bodies.append(Body(e["id"], payload))
    wechat = [WeChatBody(e["id"], int(e["expect"]), _text(e, "xml")) for e in data["wechat"]]
    return Corpus(messages, bodies, wechat)
