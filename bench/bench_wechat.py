"""The WeChat channel on the real stack: a passive text reply with one user, and a burst of retries.

Starts the services as `policybot run` does (WeChat secrets of this run, a fake WeChat API on loopback that
counts customer-service messages), then:
- one user sends N questions as signed plaintext WeChat messages, one after the other; each must come back
  as a passive XML reply (target: p95 <= 300 ms); the same questions through the REST channel, interleaved
  with them, give the turn's own time under the same load (the difference is the channel's cost);
- 200 deliveries of one MsgId, all sent at once (each signed with its own nonce, as WeChat's retries are)
  and finished within 5 s: the bot must run once (user turns in Rasa's tracker), every response must be the
  same reply or "success", and no customer-service message may be sent for it (exactly one reply).
Prints the figures and a final JSON line.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import random
import sys
import tempfile
import threading
import time
import urllib.request
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Dict, List

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx  # noqa: E402

from policybot.supervisor import Stack, prepare  # noqa: E402

QUESTIONS = ["高新技术企业认定有什么奖励", "居住证第一次怎么申请", "公积金租房提取需要什么条件", "生育津贴怎么领",
             "专精特新梯度培育资助的条件是什么", "创业担保贷款能贷多少", "灵活就业怎么交社保", "高龄老人津贴有多少钱",
             "总部企业认定的条件是什么", "一次性扩岗补助怎么申请"]
TOKEN = f"bench-{uuid.uuid4().hex[:12]}"
APPID = "wxbench0123456789"


class FakeApi(BaseHTTPRequestHandler):
    """WeChat's token and customer-service endpoints; counts what is sent, per user."""

    sent: Dict[str, int] = {}
    lock = threading.Lock()

    def _json(self, body: Dict[str, Any]) -> None:
        data = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:  # noqa: N802
        self._json({"access_token": "BENCHTOKEN", "expires_in": 7200})

    def do_POST(self) -> None:  # noqa: N802
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
        with self.lock:
            self.sent[body.get("touser", "")] = self.sent.get(body.get("touser", ""), 0) + 1
        self._json({"errcode": 0, "errmsg": "ok"})

    def log_message(self, *args: Any) -> None:
        pass


def signed() -> Dict[str, str]:
    ts, nonce = str(int(time.time())), uuid.uuid4().hex[:10]
    return {"signature": hashlib.sha1("".join(sorted([TOKEN, ts, nonce])).encode()).hexdigest(), "timestamp": ts,
            "nonce": nonce}


def text_xml(openid: str, content: str, msg_id: int) -> bytes:
    return (f"<xml><ToUserName><![CDATA[gh_bench]]></ToUserName><FromUserName><![CDATA[{openid}]]></FromUserName>"
            f"<CreateTime>{int(time.time())}</CreateTime><MsgType><![CDATA[text]]></MsgType>"
            f"<Content><![CDATA[{content}]]></Content><MsgId>{msg_id}</MsgId></xml>").encode()


def pct(values: List[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


def user_turns(stack: Stack, sender: str) -> int:
    url = f"{stack.url('rasa')}/conversations/{sender}/tracker?token={stack.rasa_token}"
    with urllib.request.urlopen(url, timeout=30) as resp:
        return sum(1 for e in json.loads(resp.read())["events"] if e["event"] == "user")


async def burst(webhook: str, openid: str, n: int) -> Dict[str, Any]:
    body = text_xml(openid, QUESTIONS[0], random.randint(10**15, 10**16))
    limits = httpx.Limits(max_connections=n, max_keepalive_connections=n)
    async with httpx.AsyncClient(timeout=30, limits=limits) as client:
        start = time.perf_counter()
        answers = await asyncio.gather(*(client.post(webhook, params=signed(), content=body) for _ in range(n)))
        took = time.perf_counter() - start
    statuses = {r.status_code for r in answers}
    replies = [r.text for r in answers if r.text != "success"]
    return {"seconds": took, "statuses": sorted(statuses), "distinct_replies": len(set(replies)),
            "passive": len(replies), "success": n - len(replies)}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=200)
    parser.add_argument("--retries", type=int, default=200)
    args = parser.parse_args()
    fake = ThreadingHTTPServer(("127.0.0.1", 0), FakeApi)
    threading.Thread(target=fake.serve_forever, daemon=True).start()
    outbox = Path(tempfile.mkdtemp(prefix="bench-wechat-")) / "outbox.sqlite3"
    env = {"WECHAT_TOKEN": TOKEN, "WECHAT_APPID": APPID, "WECHAT_SECRET": "bench-secret", "WECHAT_AES_KEY": "",
           "WECHAT_API_BASE": f"http://127.0.0.1:{fake.server_address[1]}", "WECHAT_OUTBOX_PATH": str(outbox)}
    stack = Stack(model=prepare(), ports={"eligibility": 8192, "actions": 5192, "rasa": 5292, "idp": 8392}, env=env)
    print(f"stack healthy in {stack.start():.0f} s")
    try:
        webhook = f"{stack.url('rasa')}/webhooks/wechat/webhook"
        with httpx.Client(timeout=30) as client:
            for i, q in enumerate(QUESTIONS):  # warm up every path once
                client.post(webhook, params=signed(), content=text_xml("oBenchWarm", q, 10**15 + i))
            user = "oBenchUser" + uuid.uuid4().hex[:18]
            rest_url, rest_user = f"{stack.url('rasa')}/webhooks/rest/webhook", "bench-rest-" + uuid.uuid4().hex[:8]
            times, rest_times, not_passive = [], [], 0
            for i in range(args.messages):  # WeChat and REST turns interleaved: the same load for both
                question = QUESTIONS[i % len(QUESTIONS)]
                start = time.perf_counter()
                resp = client.post(webhook, params=signed(), content=text_xml(user, question, 2 * 10**15 + i))
                times.append((time.perf_counter() - start) * 1000)
                if resp.status_code != 200 or "<Content>" not in resp.text:
                    not_passive += 1
                start = time.perf_counter()
                client.post(rest_url, json={"sender": rest_user, "message": question}).raise_for_status()
                rest_times.append((time.perf_counter() - start) * 1000)
        burst_user = "oBenchBurst" + uuid.uuid4().hex[:17]
        result = asyncio.run(burst(webhook, burst_user, args.retries))
        time.sleep(1.0)  # an asynchronous delivery, if any, would be sent by now
        runs = user_turns(stack, f"wx:{burst_user}")
        api_sent = FakeApi.sent.get(burst_user, 0)
    finally:
        stack.stop()
        fake.shutdown()
    figures = {
        "messages": args.messages,
        "passive_p50_ms": round(pct(times, 0.5), 1), "passive_p95_ms": round(pct(times, 0.95), 1),
        "passive_max_ms": round(max(times), 1), "not_passive": not_passive, "target_p95_ms": 300,
        "rest_same_turns_p50_ms": round(pct(rest_times, 0.5), 1), "rest_same_turns_p95_ms": round(pct(rest_times, 0.95), 1),
        # one user: the conversation grows by a turn per message, and Rasa re-reads and re-stores all of it
        "passive_p50_first_quarter_ms": round(pct(times[: len(times) // 4], 0.5), 1),
        "passive_p50_last_quarter_ms": round(pct(times[-(len(times) // 4):], 0.5), 1),
        "retries": args.retries, "retries_seconds": round(result["seconds"], 2), "retries_statuses": result["statuses"],
        "bot_runs": runs, "distinct_passive_replies": result["distinct_replies"],
        "passive_responses": result["passive"], "success_responses": result["success"], "api_messages": api_sent,
        "replies_delivered": result["distinct_replies"] + api_sent,
    }
    figures["ok"] = (figures["passive_p95_ms"] <= 300 and not_passive == 0 and runs == 1
                     and figures["replies_delivered"] == 1 and result["seconds"] <= 5)
    for k, v in figures.items():
        print(f"{k:<26} {v}")
    print(json.dumps({"bench": "wechat", **figures}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
