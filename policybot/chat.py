"""`policybot chat`: a terminal conversation with the running assistant, through the REST channel."""

from __future__ import annotations

import argparse
import json
import urllib.request
import uuid
from typing import List, Optional


def send(url: str, sender: str, message: str) -> list:
    body = json.dumps({"sender": sender, "message": message}).encode()
    req = urllib.request.Request(f"{url}/webhooks/rest/webhook", data=body, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=30) as resp:
        return json.loads(resp.read())


def render(reply: dict) -> str:
    lines = [reply["text"]] if reply.get("text") else []
    for i, button in enumerate(reply.get("buttons") or [], 1):
        lines.append(f"  [{i}] {button['title']}")
    return "\n".join(lines)


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="policybot chat")
    parser.add_argument("--url", default="http://127.0.0.1:5005")
    args = parser.parse_args(argv)
    sender = f"terminal-{uuid.uuid4().hex[:8]}"
    print("政策通 — 输入问题后回车；输入按钮编号可点按钮；Ctrl-D 退出。")
    buttons: list = []
    while True:
        try:
            text = input("您：").strip()
        except (EOFError, KeyboardInterrupt):
            print()
            return 0
        if not text:
            continue
        if text.isdigit() and 0 < int(text) <= len(buttons):
            text = buttons[int(text) - 1]["payload"]
        try:
            replies = send(args.url, sender, text)
        except OSError as exc:
            print(f"连不上政策通（{exc}）。请先运行 make run。")
            return 1
        buttons = []
        for reply in replies:
            print("政策通：" + render(reply))
            buttons = reply.get("buttons") or buttons
