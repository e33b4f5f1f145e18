"""One conversation turn through the REST channel, one user, on the real stack.

Starts the three services as `policybot run` does, then times sequential turns:
- the search turn: an ask_policy question answered by the search action (the target: p95 <= 100 ms);
- the baseline in the same run: a greeting answered by a response, no custom action.
The search turn is split into NLU (POST /model/parse), the action (the action server called with the
very tracker and domain Rasa sends it) and the rest (policy prediction, tracker store, HTTP).
Prints the figures and a final JSON line.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any, Callable, Dict, List

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from policybot.supervisor import Stack, prepare  # noqa: E402

QUESTIONS = ["高新技术企业认定有什么奖励", "居住证第一次怎么申请", "公积金租房提取需要什么条件", "生育津贴怎么领",
             "专精特新梯度培育资助的条件是什么", "创业担保贷款能贷多少", "灵活就业怎么交社保", "高龄老人津贴有多少钱",
             "总部企业认定的条件是什么", "一次性扩岗补助怎么申请"]


def post(url: str, body: Dict[str, Any]) -> Any:
    req = urllib.request.Request(url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=30) as resp:
        return json.loads(resp.read())


def get(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=30) as resp:
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


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--turns", type=int, default=200)
    args = parser.parse_args()
    stack = Stack(model=prepare(), ports={"eligibility": 8191, "actions": 5191, "rasa": 5291, "idp": 8391})
    print(f"stack healthy in {stack.start():.0f} s")
    try:
        rasa, actions = stack.url("rasa"), stack.url("actions")
        webhook = f"{rasa}/webhooks/rest/webhook"
        for q in QUESTIONS:  # warm up every path once
            post(webhook, {"sender": "warm", "message": q})
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
    figures = {
        "turns": args.turns,
        "search_turn_p50_ms": round(pct(search, 0.5), 1), "search_turn_p95_ms": round(pct(search, 0.95), 1),
        "greet_turn_p50_ms": round(pct(greet, 0.5), 1), "greet_turn_p95_ms": round(pct(greet, 0.95), 1),
        "nlu_p50_ms": round(pct(nlu, 0.5), 1), "action_p50_ms": round(pct(action, 0.5), 1),
    }
    rest = max(0.0, figures["search_turn_p50_ms"] - figures["nlu_p50_ms"] - figures["action_p50_ms"])
    total = figures["search_turn_p50_ms"] or 1.0
    figures["share_nlu"] = round(figures["nlu_p50_ms"] / total, 3)
    figures["share_action"] = round(figures["action_p50_ms"] / total, 3)
    figures["share_policy_and_rest"] = round(rest / total, 3)
    figures["ratio_search_vs_greet_p95"] = round(figures["search_turn_p95_ms"] / max(figures["greet_turn_p95_ms"], 1e-9), 2)
    figures["target_p95_ms"] = 100
    figures["mean_search_ms"] = round(statistics.mean(search), 1)
    for k, v in figures.items():
        print(f"{k:<30} {v}")
    print(json.dumps({"bench": "turn", **figures}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
