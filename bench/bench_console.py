"""The 12345 console under its own service process, over HTTP, one operator.

- the handoff queue: 1,000 waiting 转人工 conversations in the database, the list (first page of 50 and a
  page deep in the queue) timed through GET /api/console/handoffs (target: p95 <= 100 ms);
- answer suggestions for a live call: POST /api/console/assist with questions as callers put them, on the
  148-document corpus (target: p95 <= 150 ms);
- the baseline in the same run: GET /health on the same process (ratios are reported against it).

Prints the figures and a final JSON line.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from eligibility.context import Context  # noqa: E402
from eligibility.services import handoffs  # noqa: E402
from eligibility.settings import Settings  # noqa: E402

# how callers put it on the phone (not the documents' words)
CALLS = ["外地户口在深圳交社保满一年能办居住证吗", "公司刚评上高新技术企业有没有奖励", "租房提取公积金一年能取多少",
         "老婆生孩子生育津贴怎么领", "专精特新小巨人给多少钱", "失业了想自己开店能贷款吗", "灵活就业社保一个月交多少",
         "我妈八十多岁了有高龄补贴吗", "总部企业要什么条件才能认定", "招了应届生有没有扩岗补助"]


def request(url: str, token: Optional[str] = None, body: Optional[Dict[str, Any]] = None) -> Any:
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, headers=headers, method="POST" if body is not None else "GET")
    with urllib.request.urlopen(req, timeout=30) as resp:
        return json.loads(resp.read())


def timed(fn: Callable[[int], Any], n: int) -> List[float]:
    out = []
    for i in range(n):
        start = time.perf_counter()
        fn(i)
        out.append((time.perf_counter() - start) * 1000)
    return out


def pct(values: List[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


def summary(values: List[float]) -> Dict[str, float]:
    return {"p50_ms": round(pct(values, 0.5), 1), "p95_ms": round(pct(values, 0.95), 1),
            "max_ms": round(max(values), 1)}


def fill_queue(settings: Settings, n: int) -> None:
    ctx = Context(settings)
    ctx.prepare()
    for i in range(n):
        handoffs.open_handoff(ctx, f"bench-handoff-{i:05d}", [
            {"role": "user", "text": CALLS[i % len(CALLS)]}, {"role": "user", "text": "转人工"}],
            None, None, None, "socketio")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--waiting", type=int, default=1000)
    parser.add_argument("--port", type=int, default=8193)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-console-"))
    env = {**os.environ, "ELIGIBILITY_DATABASE_URL": f"sqlite:///{tmp / 'console.db'}",
           "ELIGIBILITY_SECRETS_DIR": str(tmp / "secrets"), "ELIGIBILITY_STAFFED_HOURS": "00:00-24:00",
           "ELIGIBILITY_STAFFED_EVERY_DAY": "1", "ELIGIBILITY_JOBS_INTERVAL_HOURS": "0"}
    os.environ.update({k: v for k, v in env.items() if k.startswith("ELIGIBILITY_")})
    start = time.perf_counter()
    fill_queue(Settings(), args.waiting)
    print(f"queued {args.waiting} waiting handoffs in {time.perf_counter() - start:.1f} s")
    base = f"http://127.0.0.1:{args.port}"
    server = subprocess.Popen([sys.executable, "-m", "eligibility", "--host", "127.0.0.1", "--port", str(args.port)],
                              cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(600):
            try:
                request(f"{base}/health")
                break
            except (urllib.error.URLError, ConnectionError):
                time.sleep(0.2)
        token = request(f"{base}/auth/staff/login", body={"username": "operator", "password": "Staff@2026"})["access_token"]
        queue = request(f"{base}/api/console/handoffs?scope=waiting&limit=50", token)
        assert queue["waiting"] >= args.waiting, queue["waiting"]
        n = args.requests
        for _ in range(20):  # warm-up: the search index and the policy set load on first use
            request(f"{base}/health")
            request(f"{base}/api/console/assist", token, {"question": CALLS[0]})
        health = timed(lambda i: request(f"{base}/health"), n)
        first_page = timed(lambda i: request(f"{base}/api/console/handoffs?scope=waiting&limit=50", token), n)
        deep_page = timed(lambda i: request(f"{base}/api/console/handoffs?scope=waiting&limit=50&offset=900", token), n)
        answers: List[Any] = []
        assist = timed(lambda i: answers.append(
            request(f"{base}/api/console/assist", token, {"question": CALLS[i % len(CALLS)]})), n)
        cited = sum(1 for a in answers if (a.get("answers") or [{}])[0].get("title"))
    finally:
        server.terminate()
        server.wait(timeout=30)
    out = {"bench": "console", "waiting_handoffs": queue["waiting"], "requests": n,
           "queue_first_page": summary(first_page), "queue_deep_page": summary(deep_page),
           "assist": summary(assist), "assist_answers_with_a_title": f"{cited}/{n}", "health": summary(health),
           "queue_p95_ratio_to_health": round(pct(first_page, 0.95) / pct(health, 0.95), 1),
           "assist_p95_ratio_to_health": round(pct(assist, 0.95) / pct(health, 0.95), 1),
           "targets": {"queue_p95_ms": 100, "assist_p95_ms": 150},
           "met": pct(first_page, 0.95) <= 100 and pct(deep_page, 0.95) <= 100 and pct(assist, 0.95) <= 150}
    for key in ("queue_first_page", "queue_deep_page", "assist", "health"):
        print(f"{key:18s} p50 {out[key]['p50_ms']:7.1f} ms   p95 {out[key]['p95_ms']:7.1f} ms")  # type: ignore[index]
    print(json.dumps(out, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
