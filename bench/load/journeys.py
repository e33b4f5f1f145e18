"""The journeys of the load test (journeys.yml) and what counts as a failed turn. Pure: no I/O but reading
the file, so the rules are tested on their own (tests/bench_load/).

A turn is an **error** when (checked in this order):
- ``http``: the webhook answered with a status other than 200;
- ``timeout``: no answer within the time-out (30 s by default), measured on the whole request;
- ``connection``: the connection failed (refused, reset) before an answer;
- ``empty``: 200 with no message at all (no text, no buttons, no custom payload);
- ``apology``: a reply says the assistant failed or did not understand (one of ``APOLOGIES``: the fallback,
  "not understood", "nothing found", the action server's time-out and failure messages, the eligibility
  service unreachable); the polite opening of a bad-rating reply ("很抱歉这次没让您满意") is not one;
- ``unexpected``: the reply lacks what the step expects (a citation for a question, the matches at the end of
  the matching questions, an application after the confirmation, the words a step names);
- ``no_button``: the step taps a button the previous reply did not offer (no request is sent; the previous
  turn is where the journey went wrong, but the step is counted under its own type).
A journey stops at its first error (the user gives up); the user then starts a new conversation.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

import yaml

HERE = Path(__file__).resolve().parent
JOURNEYS_FILE = HERE / "journeys.yml"

# The order of the figures; every step's type must be one of these.
TURN_TYPES = ("greeting", "question", "follow_up", "match_start", "match_answer", "bind_id", "bind_code", "apply",
              "apply_confirm", "rating", "rating_reason")

# What a step expects when it does not say: any = a non-empty reply that is not an apology.
DEFAULT_EXPECT = {"greeting": "any", "question": "cited", "follow_up": "cited", "match_start": "any",
                  "match_answer": "any", "bind_id": "text:验证码", "bind_code": "text:验证成功", "apply": "any",
                  "apply_confirm": "application", "rating": "any", "rating_reason": "any"}

# Replies that mean the turn failed, whatever the step expected (actions/feedback.py, actions/replies.py,
# actions/server.py, actions/clients/eligibility.py, bot/domain/basics.yml).
APOLOGIES = (
    "抱歉，我没太明白您的意思",          # actions.feedback.NOT_UNDERSTOOD
    "抱歉，我不太确定您的意思",          # the clarifying fallback
    "抱歉，我还是没能理解您的问题",      # the second fallback
    "抱歉，我在现有政策里没有找到相关内容",  # actions.replies.NOT_FOUND
    "抱歉，这个问题处理时间过长",        # actions.server.TIMED_OUT
    "抱歉，刚才处理出了点问题",          # actions.server.FAILED
    "抱歉，政策计算服务暂时连不上",      # actions.clients.eligibility.UNAVAILABLE
    "抱歉，这个问题我帮不上忙",          # utter_default / out of scope
)

ERROR_KINDS = ("http", "timeout", "connection", "empty", "apology", "unexpected", "no_button")

# A typed answer to a question that offers no buttons: the first rule whose words appear in the question.
TYPED_ANSWERS: Tuple[Tuple[Tuple[str, ...], str], ...] = (
    (("哪年哪月哪日",), "2023年5月1日"),
    (("多少个月", "几个月"), "6个月"),
    (("百分之",), "12%"),
    (("万美元",), "3000万美元"),
    (("年龄", "多大", "周岁"), "35岁"),
    (("人数", "员工", "职工", "多少人"), "80人"),
    (("研发",), "300万元"),
    (("营业收入", "营收", "销售", "产值", "纳税", "税收"), "2000万元"),
    (("面积",), "500平方米"),
    (("几年", "年限", "成立"), "3年"),
    (("月",), "6个月"),
)
DEFAULT_TYPED_ANSWER = "100"

PLACEHOLDER = re.compile(r"\{([a-z_0-9]+)(?::([^}]*))?\}")
RUNTIME = {"code", "answer", "button"}  # filled while the conversation runs, not from the variant


class JourneyError(ValueError):
    """journeys.yml is not what this module reads."""


@dataclass(frozen=True)
class Step:
    type: str
    messages: Tuple[str, ...]  # one is picked per conversation
    expect: str
    until: Optional[str] = None  # "matches": repeat while the replies show none
    max: int = 1


@dataclass(frozen=True)
class Journey:
    name: str
    weight: float
    steps: Tuple[Step, ...]
    variants: Tuple[Mapping[str, str], ...] = field(default_factory=lambda: ({},))


def _messages(value: Any, where: str) -> Tuple[str, ...]:
    items = value if isinstance(value, list) else [value]
    if not items or not all(isinstance(m, (str, int)) and str(m).strip() for m in items):
        raise JourneyError(f"{where}: a message is a non-empty string or a list of them")
    return tuple(str(m) for m in items)


def _check_expect(expect: str, where: str) -> str:
    if expect in ("any", "cited", "matches", "application") or (expect.startswith("text:") and len(expect) > 5):
        return expect
    raise JourneyError(f"{where}: unknown expect {expect!r} (any, cited, matches, application, text:<words>)")


def parse_step(raw: Any, where: str) -> Step:
    if isinstance(raw, dict) and len(raw) == 1:
        ((kind, value),) = raw.items()
        options: Dict[str, Any] = {}
        if isinstance(value, dict):  # `type: {type: message, expect: …}`
            options = dict(value)
            if kind not in options:
                raise JourneyError(f"{where}: `{kind}: {{…}}` needs the message under `{kind}`")
            value = options.pop(kind)
    else:
        raise JourneyError(f"{where}: a step is `<turn type>: <message>`")
    if kind not in TURN_TYPES:
        raise JourneyError(f"{where}: unknown turn type {kind!r} (one of {', '.join(TURN_TYPES)})")
    unknown = set(options) - {"expect", "until", "max"}
    if unknown:
        raise JourneyError(f"{where}: unknown keys {sorted(unknown)}")
    until = options.get("until")
    if until not in (None, "matches"):
        raise JourneyError(f"{where}: until must be `matches`")
    most = int(options.get("max", 6 if until else 1))
    if most < 1:
        raise JourneyError(f"{where}: max must be at least 1")
    return Step(kind, _messages(value, where), _check_expect(str(options.get("expect", DEFAULT_EXPECT[kind])), where),
                until, most)


def parse(data: Any) -> List[Journey]:
    if not isinstance(data, dict) or not isinstance(data.get("journeys"), list) or not data["journeys"]:
        raise JourneyError("the file needs a non-empty list under `journeys`")
    journeys = []
    for i, raw in enumerate(data["journeys"]):
        where = f"journey {i + 1}"
        if not isinstance(raw, dict) or not raw.get("name") or not isinstance(raw.get("steps"), list) or not raw["steps"]:
            raise JourneyError(f"{where}: needs a name and a non-empty list of steps")
        where = f"journey {raw['name']!r}"
        weight = float(raw.get("weight", 1))
        if weight <= 0:
            raise JourneyError(f"{where}: weight must be positive")
        variants_raw = raw.get("variants") or [{}]
        if not isinstance(variants_raw, list) or not all(isinstance(v, dict) for v in variants_raw):
            raise JourneyError(f"{where}: variants is a list of mappings")
        variants = tuple({str(k): str(v) for k, v in v.items()} for v in variants_raw)
        steps = tuple(parse_step(s, f"{where}, step {n + 1}") for n, s in enumerate(raw["steps"]))
        for step in steps:  # every placeholder is filled by each variant or at run time
            for message in step.messages:
                for name, _ in PLACEHOLDER.findall(message):
                    if name not in RUNTIME and any(name not in v for v in variants):
                        raise JourneyError(f"{where}: {{{name}}} is not in every variant")
                    if name == "code" and any("subject" not in v for v in variants):
                        raise JourneyError(f"{where}: {{code}} needs a subject in every variant")
        journeys.append(Journey(str(raw["name"]), weight, steps, variants))
    return journeys


def load(path: Path = JOURNEYS_FILE) -> List[Journey]:
    return parse(yaml.safe_load(path.read_text(encoding="utf-8")))


def pick(journeys: Sequence[Journey], rng: random.Random) -> Tuple[Journey, Mapping[str, str]]:
    """A journey by weight, and one of its variants."""
    journey = rng.choices(list(journeys), weights=[j.weight for j in journeys])[0]
    return journey, rng.choice(journey.variants)


# ---- replies ---------------------------------------------------------------------------------------------

Reply = Mapping[str, Any]


def texts(replies: Sequence[Reply]) -> str:
    return "\n".join(str(r.get("text") or "") for r in replies)


def buttons(replies: Sequence[Reply]) -> List[Mapping[str, Any]]:
    return [b for r in replies for b in (r.get("buttons") or []) if isinstance(b, dict)]


def customs(replies: Sequence[Reply]) -> List[Mapping[str, Any]]:
    return [r["custom"] for r in replies if isinstance(r.get("custom"), dict)]


def shows_matches(replies: Sequence[Reply]) -> bool:
    return any(c.get("type") == "matches" for c in customs(replies))


def typed_answer(question: str) -> str:
    for words, answer in TYPED_ANSWERS:
        if any(w in question for w in words):
            return answer
    return DEFAULT_TYPED_ANSWER


def answer_to(replies: Sequence[Reply], rng: random.Random) -> str:
    """What a user answers to the bot's last question: one of its options (a button that is not an intent),
    else a typed answer that fits the question."""
    for reply in reversed(replies):
        options = [str(b.get("payload")) for b in reply.get("buttons") or []
                   if b.get("payload") and not str(b.get("payload")).startswith("/")]
        if options:
            return rng.choice(options)
    question = next((str(r.get("text")) for r in reversed(replies) if r.get("text")), "")
    return typed_answer(question)


def button_payload(replies: Sequence[Reply], words: str) -> Optional[str]:
    return next((str(b["payload"]) for b in buttons(replies) if words in str(b.get("title", "")) and b.get("payload")),
                None)


def fill(message: str, variant: Mapping[str, str], replies: Sequence[Reply], code: Optional[str],
         rng: random.Random) -> Optional[str]:
    """The message with its placeholders filled; None when it taps a button the replies do not offer."""
    missing = False

    def one(m: re.Match[str]) -> str:
        nonlocal missing
        name, arg = m.group(1), m.group(2)
        if name == "code":
            return code or ""
        if name == "answer":
            return answer_to(replies, rng)
        if name == "button":
            found = button_payload(replies, arg or "")
            missing = missing or found is None
            return found or ""
        return variant[name]

    out = PLACEHOLDER.sub(one, message)
    return None if missing else out


def failure(replies: Any, expect: str) -> Optional[str]:
    """The error kind of a 200 answer (``empty``, ``apology``, ``unexpected``), or None when it is good."""
    if not isinstance(replies, list) or not any(
            isinstance(r, dict) and (r.get("text") or r.get("buttons") or r.get("custom") or r.get("image"))
            for r in replies):
        return "empty"
    said = texts(replies)
    if any(a in said for a in APOLOGIES):
        return "apology"
    if expect == "cited":
        ok = any(c.get("citations") for c in customs(replies))
    elif expect == "matches":
        ok = shows_matches(replies)
    elif expect == "application":
        ok = any(c.get("type") == "application" for c in customs(replies))
    elif expect.startswith("text:"):
        ok = expect[5:] in said
    else:
        ok = True
    return None if ok else "unexpected"
