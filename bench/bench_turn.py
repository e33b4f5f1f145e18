"""One conversation turn through the REST channel, one user, on the real stack.

Starts the services as `policybot run` does (its own database and logs in a temp dir), then times
sequential turns:
- the search turn: an ask_policy question answered by the search action (the target: p95 <= 100 ms);
- the matching turn (target: p95 <= 150 ms): every turn of a 政策AI计算器 conversation, each on a new
  conversation. Anonymous: "我们公司能申请哪些补贴？" (the form starts and asks), then the answers to its
  questions (the first button, or a number) until the matches are shown. Bound: a demo company verified
  by one-time code (untimed), then the same question (its matches at once, or the first question);
- the baseline in the same run: a greeting answered by a response, no custom action.
The search turn is split into NLU (POST /model/parse), the action (the action server called with the
very tracker and domain Rasa sends it) and the rest (policy prediction, tracker store, HTTP). For the
matching turns the bench counts the service's `POST /match` calls per turn (its access log) and times
one `POST /match` as the action server sends it (anonymous and bound), with its size.
Prints the figures and a final JSON line.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Tuple

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from policybot import paths  # noqa: E402
from policybot.supervisor import Stack, prepare  # noqa: E402

QUESTIONS = ["高新技术企业认定有什么奖励", "居住证第一次怎么申请", "公积金租房提取需要什么条件", "生育津贴怎么领",
             "专精特新梯度培育资助的条件是什么", "创业担保贷款能贷多少", "灵活就业怎么交社保", "高龄老人津贴有多少钱",
             "总部企业认定的条件是什么", "一次性扩岗补助怎么申请"]
FIND = "我们公司能申请哪些补贴？"
# demo companies (eligibility/README.md): 华芯 qualifies on verified data at once, 龙腾 is asked questions
BOUND = ["91440309MA5H2KQ3XC", "91440309MA5J6RPD7R"]
MAX_ANSWERS = 6  # the form asks at most 5 questions (actions.settings.max_questions)
PORTS = {"eligibility": 8191, "actions": 5191, "rasa": 5291, "idp": 8391}


def post(url: str, body: Dict[str, Any], headers: Optional[Dict[str, str]] = None) -> Any:
    req = urllib.request.Request(url, data=json.dumps(body).encode(),
                                 headers={"Content-Type": "application/json", **(headers or {})})
    with urllib.request.urlopen(req, timeout=30) as resp:
        return json.loads(resp.read())


def post_raw(url: str, body: Dict[str, Any], headers: Optional[Dict[str, str]] = None) -> bytes:
    req = urllib.request.Request(url, data=json.dumps(body).encode(),
                                 headers={"Content-Type": "application/json", **(headers or {})})
    with urllib.request.urlopen(req, timeout=30) as resp:
        return bytes(resp.read())


def get(url: str, headers: Optional[Dict[str, str]] = None) -> Any:
    with urllib.request.urlopen(urllib.request.Request(url, headers=headers or {}), timeout=30) as resp:
        return json.loads(resp.read())


def timed(fn: Callable[[], Any], n: int) -> List[float]:
    out = []
    for _ in range(n):
        start = time.perf_counter()
        fn()
        out.append((time.perf_counter() - start) * 1000)
    return out


def pct(values: List[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


def answer_to(replies: List[Dict[str, Any]]) -> str:
    """What a user answers to the bot's question: its first button that is not an intent, else a number."""
    for reply in reversed(replies):
        for button in reply.get("buttons") or []:
            payload = str(button.get("payload") or "")
            if payload and not payload.startswith("/"):
                return payload
    return "100"


def shows_matches(replies: List[Dict[str, Any]]) -> bool:
    return any((r.get("custom") or {}).get("type") == "matches" for r in replies)


class AccessLog:
    """The eligibility service's access log (uvicorn, one line a request): `POST /match` lines since a mark."""

    def __init__(self, path: Path) -> None:
        self.path, self.offset = path, 0

    def mark(self) -> None:
        self.offset = self.path.stat().st_size

    def matches_since_mark(self) -> int:
        time.sleep(0.02)  # the line is written after the answer went out
        with open(self.path, "rb") as f:
            f.seek(self.offset)
            return sum(1 for line in f.read().decode(errors="replace").splitlines() if '"POST /match ' in line)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--turns", type=int, default=200)
    parser.add_argument("--port-offset", type=int, default=0, help="added to the fixed ports 8191/5191/5291/8391")
    parser.add_argument("--show", action="store_true", help="print one matching conversation")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench_turn-"))
    paths.LOGS = tmp / "logs"  # this run's logs, not the shared var/logs of `policybot run`
    env = {"ELIGIBILITY_DATABASE_URL": f"sqlite:///{tmp / 'eligibility.db'}",
           # every bound conversation is verified by a one-time code for the same demo companies
           "ELIGIBILITY_OTP_RESEND_SECONDS": "0", "ELIGIBILITY_OTP_PER_NUMBER_PER_HOUR": "100000",
           "ELIGIBILITY_OTP_PER_CONVERSATION_PER_HOUR": "100000"}
    stack = Stack(model=prepare(), ports={k: v + args.port_offset for k, v in PORTS.items()}, env=env)
    print(f"stack healthy in {stack.start():.0f} s")
    try:
        rasa, actions, service = stack.url("rasa"), stack.url("actions"), stack.url("eligibility")
        webhook = f"{rasa}/webhooks/rest/webhook"
        access = AccessLog(paths.LOGS / "eligibility.log")
        staff = post(f"{service}/auth/staff/login", {"username": "operator", "password": "Staff@2026"})["access_token"]

        def say(sender: str, message: str) -> List[Dict[str, Any]]:
            return list(post(webhook, {"sender": sender, "message": message}))

        def sms_code(subject: str) -> str:
            box = get(f"{service}/outbox?purpose=otp&subject_id={subject}&limit=1", {"Authorization": f"Bearer {staff}"})
            found = re.search(r"验证码为(\d{6})", box["messages"][0]["body"])
            assert found, box
            return found.group(1)

        def bind(sender: str, subject: str) -> None:
            say(sender, f"统一社会信用代码 {subject}")
            say(sender, sms_code(subject))

        for q in QUESTIONS:  # warm up every path once
            say("warm", q)
        for n, subject in enumerate(BOUND):
            bind(f"warm-bound-{n}", subject)
            say(f"warm-bound-{n}", FIND)
        replies = say("warm-form", FIND)
        for _ in range(MAX_ANSWERS):
            if shows_matches(replies):
                break
            replies = say("warm-form", answer_to(replies))

        # ---- matching turns: one conversation after another until there are enough turns -----------
        matching: Dict[str, List[float]] = {"start": [], "answer": [], "bound": []}
        calls: List[int] = []
        shown = 0

        def turn(kind: str, sender: str, message: str) -> List[Dict[str, Any]]:
            access.mark()
            start = time.perf_counter()
            out = say(sender, message)
            matching[kind].append((time.perf_counter() - start) * 1000)
            calls.append(access.matches_since_mark())
            if args.show and conversation == 0:
                print(f"  [{kind}] 用户：{message}\n" + "\n".join(f"    机器人：{r.get('text')}" for r in out))
            return out

        conversation = 0
        while len(calls) < args.turns:
            if conversation % 4 == 3:  # one conversation in four is a verified company
                sender = f"bench-bound-{conversation}"
                bind(sender, BOUND[(conversation // 4) % len(BOUND)])
                replies = turn("bound", sender, FIND)
            else:
                sender = f"bench-match-{conversation}"
                replies = turn("start", sender, FIND)
            for _ in range(MAX_ANSWERS):
                if shows_matches(replies) or len(calls) >= args.turns:
                    break
                replies = turn("answer", sender, answer_to(replies))
            shown += shows_matches(replies)
            conversation += 1
        match_turns = [t for ts in matching.values() for t in ts]

        # ---- one POST /match as the action server sends it ------------------------------------------
        from eligibility.auth.tokens import service_token
        bound_headers = {"Authorization": f"Bearer {service_token(stack.service_key)}",
                         "X-Conversation-Id": "warm-bound-0"}
        sizes: Dict[str, int] = {}

        def match_call(label: str, body: Dict[str, Any], headers: Optional[Dict[str, str]]) -> Callable[[], None]:
            def call() -> None:
                sizes[label] = len(post_raw(f"{service}/match", body, headers))
            return call

        from actions.clients import eligibility as client  # the body this tree's action server sends

        def body(bound: bool) -> Dict[str, Any]:
            if hasattr(client, "match_body"):
                return dict(client.match_body(bound, {}))
            return {"profile_id": "me"} if bound else {"fields": {}}  # before the compact view

        match_bodies: List[Tuple[str, Dict[str, Any], Optional[Dict[str, str]]]] = [
            ("anonymous", body(False), None), ("bound", body(True), bound_headers)]
        service_ms: Dict[str, List[float]] = {}
        for label, request_body, headers in match_bodies:
            service_ms[label] = timed(match_call(label, request_body, headers), 50)

        # ---- the search turn and the greeting, as before ----------------------------------------------
        i = iter(range(10**9))

        def search_turn() -> None:
            n = next(i)
            post(webhook, {"sender": f"bench-{n % 50}", "message": QUESTIONS[n % len(QUESTIONS)]})

        def greet_turn() -> None:
            post(webhook, {"sender": f"greet-{next(i) % 50}", "message": "你好"})

        def nlu_only() -> None:
            post(f"{rasa}/model/parse?token={stack.rasa_token}", {"text": QUESTIONS[next(i) % len(QUESTIONS)]})

        search = timed(search_turn, args.turns)
        greet = timed(greet_turn, args.turns)
        nlu = timed(nlu_only, args.turns)
        domain = get(f"{rasa}/domain?token={stack.rasa_token}")
        tracker = get(f"{rasa}/conversations/bench-1/tracker?token={stack.rasa_token}")
        action_body = {"next_action": "action_answer_policy", "sender_id": "bench-1", "tracker": tracker,
                       "domain": domain, "version": "3.6.21"}
        action = timed(lambda: post(f"{actions}/webhook?token={stack.action_token}", action_body), args.turns)
    finally:
        stack.stop()
    figures: Dict[str, Any] = {
        "turns": args.turns,
        "match_turn_p50_ms": round(pct(match_turns, 0.5), 1), "match_turn_p95_ms": round(pct(match_turns, 0.95), 1),
        "search_turn_p50_ms": round(pct(search, 0.5), 1), "search_turn_p95_ms": round(pct(search, 0.95), 1),
        "greet_turn_p50_ms": round(pct(greet, 0.5), 1), "greet_turn_p95_ms": round(pct(greet, 0.95), 1),
        "nlu_p50_ms": round(pct(nlu, 0.5), 1), "action_p50_ms": round(pct(action, 0.5), 1),
    }
    for kind, ts in matching.items():
        figures[f"match_{kind}_turns"] = len(ts)
        figures[f"match_{kind}_p50_ms"] = round(pct(ts, 0.5), 1) if ts else None
        figures[f"match_{kind}_p95_ms"] = round(pct(ts, 0.95), 1) if ts else None
    figures["match_conversations"] = conversation
    figures["match_conversations_shown_matches"] = shown
    figures["match_calls_per_turn_mean"] = round(statistics.mean(calls), 2)
    figures["match_calls_per_turn_max"] = max(calls)
    for label, ts in service_ms.items():
        figures[f"match_call_{label}_p50_ms"] = round(pct(ts, 0.5), 1)
        figures[f"match_call_{label}_bytes"] = sizes[label]
    rest = max(0.0, figures["search_turn_p50_ms"] - figures["nlu_p50_ms"] - figures["action_p50_ms"])
    total = figures["search_turn_p50_ms"] or 1.0
    figures["share_nlu"] = round(figures["nlu_p50_ms"] / total, 3)
    figures["share_action"] = round(figures["action_p50_ms"] / total, 3)
    figures["share_policy_and_rest"] = round(rest / total, 3)
    figures["ratio_search_vs_greet_p95"] = round(figures["search_turn_p95_ms"] / max(figures["greet_turn_p95_ms"], 1e-9), 2)
    figures["ratio_match_vs_greet_p95"] = round(figures["match_turn_p95_ms"] / max(figures["greet_turn_p95_ms"], 1e-9), 2)
    figures["ratio_match_vs_search_p95"] = round(figures["match_turn_p95_ms"] / max(figures["search_turn_p95_ms"], 1e-9), 2)
    figures["target_p95_ms"] = 100
    figures["target_match_p95_ms"] = 150
    figures["mean_search_ms"] = round(statistics.mean(search), 1)
    figures["mean_match_ms"] = round(statistics.mean(match_turns), 1)
    for k, v in figures.items():
        print(f"{k:<36} {v}")
    print(json.dumps({"bench": "turn", **figures}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
