"""The eligibility service's settings, in one typed object read from ``ELIGIBILITY_*`` variables."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Optional

from pydantic import BaseSettings

ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    database_url: str = "sqlite:///var/eligibility.db"
    corpus_dir: Path = ROOT / "knowledge" / "corpus"  # the text; the conditions are in the folder rules beside it
    modes_path: Path = ROOT / "eligibility" / "config" / "modes.yaml"
    web_dir: Path = ROOT / "web"
    index_dir: Path = ROOT / "var" / "index"  # the knowledge search index (the console's answer suggestions)
    seed_demo: bool = True  # seed the demo data account when the database has no profiles
    demo_enterprises: int = 2000
    demo_citizens: int = 1000
    seed: int = 2024
    today: Optional[dt.date] = None  # fixed date for demos and tests; None = the real date
    max_body_bytes: int = 1_000_000
    log_level: str = "info"
    # identity and trust (eligibility/auth): see the README's "Logging in"
    secrets_dir: Path = ROOT / "var" / "secrets"  # token secret created here (0600) when not given
    token_secret: Optional[str] = None  # signs subject and staff tokens (HS256); shared by all workers
    service_key: Optional[str] = None  # the action server's credential; None: no service may call
    public_url: str = "http://127.0.0.1:8100"  # where a user's browser reaches this service (login links)
    oidc_issuer: str = "http://127.0.0.1:8300"  # 统一身份认证: the local provider (idp/) or the real one
    oidc_client_id: str = "zhengcetong"
    oidc_client_secret: str = "zhengcetong-dev-secret"  # the local provider's development default (idp/settings.py)
    subject_token_minutes: int = 30
    staff_token_minutes: int = 480
    binding_idle_minutes: int = 120  # a conversation's binding lapses after this long unused
    # a WeChat OpenID is the channel's verified identity (signed by WeChat): its user binds once
    wechat_binding_idle_days: int = 180
    staff_dev_password: Optional[str] = "Staff@2026"  # seeds operator/reviewer/admin when no staff exist
    transcript_retention_days: int = 180
    otp_minutes: int = 5
    otp_tries: int = 5
    otp_per_number_per_hour: int = 5
    otp_per_conversation_per_hour: int = 5
    otp_resend_seconds: int = 60
    jobs_interval_hours: float = 24  # grants, reminders and retention inside the service; 0 = off
    # chat messages of the outbox (reminders, 免申即享 notices) go to the user's conversation through Rasa
    outbox_dispatch_seconds: float = 60  # a dispatch pass this often inside the service; 0 = off
    outbox_retry_seconds: float = 60  # after a failed attempt; doubled after each further one (at most 1 h)
    outbox_max_attempts: int = 8  # then the message is marked failed
    # the web chat (web/chat at /chat/): where its page opens the socket.io connection to Rasa; "" = this origin
    chat_socket_url: str = "http://127.0.0.1:5005"
    # the 12345 console (web/console at /console/, API under /api/console/) and live handoff
    rasa_url: str = "http://127.0.0.1:5005"  # Rasa's HTTP API: operators' words reach the user's channel through it
    rasa_token: Optional[str] = None  # Rasa's --auth-token
    rasa_timeout_s: float = 5.0
    staffed_hours: str = "09:00-12:00,14:00-18:00"  # operators answer live then, on working days (China time)
    handoff_wait_minutes: int = 10  # a live handoff nobody takes by then resumes the bot and stays as a ticket
    staffed_every_day: bool = False  # a 7×24 hotline (and the browser test): staffed hours on every day
    local_time: Optional[dt.datetime] = None  # a fixed China time (tests); None = the real clock
    console_cookie_secure: bool = False  # set behind HTTPS: the console's session cookie then needs TLS

    class Config:
        env_prefix = "ELIGIBILITY_"

    def resolved_database_url(self) -> str:
        """Relative SQLite paths are taken from the project root, so the service finds var/ anywhere."""
        url = self.database_url
        prefix = "sqlite:///"
        if url.startswith(prefix) and not url.startswith(prefix + "/") and url != "sqlite:///:memory:":
            return prefix + str(ROOT / url[len(prefix):])
        return url
