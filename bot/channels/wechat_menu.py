"""The Official Account's custom menu: what each button key does, and creating the menu through the API.

``wechat_menu.json`` is the body of ``POST /cgi-bin/menu/create`` as WeChat takes it (3 top-level buttons
of at most 16 bytes, 5 sub-buttons of at most 60 bytes each). A CLICK on a button arrives as an event with
its key; :data:`MENU` says what the key does: send an intent to the bot, exactly as a typed message that
NLU read as that intent would, or (问政策, which needs the question itself) answer with a prompt and
example questions offered as numbered options.

Create or replace the menu (needs the account's real WECHAT_APPID / WECHAT_SECRET in the environment):

    .venv/bin/python -m bot.channels.wechat_menu            # prints the menu and creates it
    .venv/bin/python -m bot.channels.wechat_menu --dry-run  # prints it only
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

MENU_FILE = Path(__file__).with_name("wechat_menu.json")


@dataclass(frozen=True)
class MenuAction:
    payload: Optional[str] = None  # sent to the bot as the user's message ("/intent")
    reply: Optional[str] = None  # or answered by the channel itself, with these options
    options: Tuple[Tuple[str, str], ...] = field(default_factory=tuple)  # (title, payload)


ASK_PROMPT = "请直接输入您想了解的政策问题，我会给出答案和政策依据。也可以试试这些问题："
EXAMPLES = ("高新技术企业认定有什么奖励？", "居住证第一次怎么申请？", "灵活就业怎么交社保？")

MENU: Dict[str, MenuAction] = {
    "MENU_ASK_POLICY": MenuAction(reply=ASK_PROMPT, options=tuple((q, q) for q in EXAMPLES)),
    "MENU_MATCH": MenuAction(payload="/find_policies"),
    "MENU_GRANTS": MenuAction(payload="/check_grants"),
    "MENU_LOGIN": MenuAction(payload="/log_in"),
    "MENU_HANDOFF": MenuAction(payload="/human_handoff"),
}

WELCOME = ("您好，欢迎关注政策通！我是区政务服务的政策助手：可以问我政策内容、看看能申请哪些补贴、"
           "查询免申即享，也可以一键申报。办理本人事项前需要先登录（发送“登录”）。")
# subscribe: the welcome and the menu as numbered options ("1" does what the button does)
WELCOME_OPTIONS: Tuple[Tuple[str, str], ...] = (
    ("问政策", "MENU_ASK_POLICY"), ("看看我能申请哪些政策", "/find_policies"), ("免申即享", "/check_grants"),
    ("登录", "/log_in"), ("转人工", "/human_handoff"))


def load_menu(path: Path = MENU_FILE) -> Dict[str, Any]:
    data: Dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def click_keys(menu: Dict[str, Any]) -> List[str]:
    keys = []
    for button in menu.get("button", []):
        for item in [button, *button.get("sub_button", [])]:
            if item.get("type") == "click":
                keys.append(item["key"])
    return keys


def problems(menu: Dict[str, Any]) -> List[str]:
    """What WeChat would refuse, or what the channel would not understand, in a menu definition."""
    found = []
    top = menu.get("button", [])
    if not 1 <= len(top) <= 3:
        found.append("1 to 3 top-level buttons")
    for button in top:
        if len(button["name"].encode()) > 16:
            found.append(f"top-level name over 16 bytes: {button['name']}")
        subs = button.get("sub_button", [])
        if len(subs) > 5:
            found.append(f"more than 5 sub-buttons under {button['name']}")
        for sub in subs:
            if len(sub["name"].encode()) > 60:
                found.append(f"sub-button name over 60 bytes: {sub['name']}")
        if not subs and "type" not in button:
            found.append(f"{button['name']} has neither a type nor sub-buttons")
    for key in click_keys(menu):
        if len(key.encode()) > 128:
            found.append(f"key over 128 bytes: {key}")
        if key not in MENU:
            found.append(f"no action for key {key}")
    return found


async def create(api: Any, menu: Dict[str, Any]) -> None:
    wrong = problems(menu)
    if wrong:
        raise ValueError("; ".join(wrong))
    await api.create_menu(menu)


def main(argv: Optional[List[str]] = None) -> int:
    from bot.channels.wechat_api import ApiError, WeChatApi
    from bot.channels.wechat_config import WeChatSettings

    parser = argparse.ArgumentParser(prog="python -m bot.channels.wechat_menu")
    parser.add_argument("--file", type=Path, default=MENU_FILE)
    parser.add_argument("--dry-run", action="store_true")
    args = parser.parse_args(argv)
    menu = load_menu(args.file)
    print(json.dumps(menu, ensure_ascii=False, indent=2))
    wrong = problems(menu)
    if wrong:
        print("menu not valid: " + "; ".join(wrong), file=sys.stderr)
        return 2
    if args.dry_run:
        return 0
    settings = WeChatSettings.load()
    api = WeChatApi(settings.api_base, settings.appid, settings.secret, settings.api_timeout_s)

    async def run() -> None:
        try:
            await create(api, menu)
        finally:
            await api.aclose()

    try:
        asyncio.run(run())
    except ApiError as exc:
        print(f"WeChat refused the menu: {exc}", file=sys.stderr)
        return 1
    print("menu created")
    return 0


if __name__ == "__main__":
    sys.exit(main())
