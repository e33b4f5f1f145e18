"""The WeChat channel's settings: secrets from the environment only, the rest from the environment or
the channel's block in credentials.yml.

Without ``WECHAT_*`` variables the channel starts with the development values below (the default mode,
like the rest of the project): they are public, so a real account must set its own."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, Mapping, Optional

ROOT = Path(__file__).resolve().parents[2]

# Development values (the README names them); a real Official Account sets all four in the environment.
DEV_TOKEN = "zhengcetong-dev-token"
DEV_APPID = "wx0123456789abcdef"
DEV_SECRET = "zhengcetong-dev-secret"
DEV_AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"  # 43 characters, the form WeChat issues
DEV_VALUES = {"WECHAT_TOKEN": DEV_TOKEN, "WECHAT_APPID": DEV_APPID, "WECHAT_SECRET": DEV_SECRET,
              "WECHAT_AES_KEY": DEV_AES_KEY}

API_BASE = "https://api.weixin.qq.com"
OUTBOX_PATH = ROOT / "var" / "wechat" / "outbox.sqlite3"

# Settings that credentials.yml may also give (the environment wins): name -> (variable, default, type)
TUNABLE: Dict[str, Any] = {
    "passive_timeout_s": ("WECHAT_PASSIVE_TIMEOUT_S", 4.5, float),  # WeChat waits 5 s, then retries
    "max_age_s": ("WECHAT_MAX_AGE_S", 300.0, float),  # a signed POST older than this is a replay (0: no check)
    "dedup_ttl_s": ("WECHAT_DEDUP_TTL_S", 300.0, float),  # how long a MsgId's answer is kept for retries
    "text_limit_bytes": ("WECHAT_TEXT_LIMIT_BYTES", 2048, int),  # one text message, passive or API
    "max_body_bytes": ("WECHAT_MAX_BODY_BYTES", 65536, int),
    "retry_base_s": ("WECHAT_RETRY_BASE_S", 30.0, float),  # first delay of a failed API delivery (doubles)
    "retry_max_s": ("WECHAT_RETRY_MAX_S", 3600.0, float),
    "api_timeout_s": ("WECHAT_API_TIMEOUT_S", 10.0, float),
}


@dataclass
class WeChatSettings:
    token: str = DEV_TOKEN
    appid: str = DEV_APPID
    secret: str = DEV_SECRET
    aes_key: Optional[str] = DEV_AES_KEY  # None or "": plaintext mode only
    api_base: str = API_BASE
    outbox_path: Path = OUTBOX_PATH
    eligibility_url: str = "http://127.0.0.1:8100"
    service_key: Optional[str] = None  # POLICYBOT_SERVICE_KEY: the unsubscribe erasure speaks as the action server
    passive_timeout_s: float = 4.5
    max_age_s: float = 300.0
    dedup_ttl_s: float = 300.0
    text_limit_bytes: int = 2048
    max_body_bytes: int = 65536
    retry_base_s: float = 30.0
    retry_max_s: float = 3600.0
    api_timeout_s: float = 10.0

    @property
    def development(self) -> bool:
        """True while any secret is still a development value."""
        return self.token == DEV_TOKEN or self.secret == DEV_SECRET or self.aes_key == DEV_AES_KEY

    @classmethod
    def load(cls, credentials: Optional[Mapping[str, Any]] = None,
             environ: Optional[Mapping[str, str]] = None) -> WeChatSettings:
        env = os.environ if environ is None else environ
        given = dict(credentials or {})
        tunable: Dict[str, Any] = {}
        for name, (variable, default, kind) in TUNABLE.items():
            raw = env.get(variable) or given.get(name)
            tunable[name] = kind(raw) if raw not in (None, "") else default
        aes = env.get("WECHAT_AES_KEY", DEV_AES_KEY)
        return cls(token=env.get("WECHAT_TOKEN") or DEV_TOKEN, appid=env.get("WECHAT_APPID") or DEV_APPID,
                   secret=env.get("WECHAT_SECRET") or DEV_SECRET, aes_key=aes or None,
                   api_base=(env.get("WECHAT_API_BASE") or API_BASE).rstrip("/"),
                   outbox_path=Path(env.get("WECHAT_OUTBOX_PATH") or OUTBOX_PATH),
                   eligibility_url=env.get("POLICYBOT_ELIGIBILITY_URL") or "http://127.0.0.1:8100",
                   service_key=env.get("POLICYBOT_SERVICE_KEY") or None, **tunable)
