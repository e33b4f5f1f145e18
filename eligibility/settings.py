"""The eligibility service's settings, in one typed object read from ``ELIGIBILITY_*`` variables."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Optional

from pydantic import BaseSettings

ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    database_url: str = "sqlite:///var/eligibility.db"
    corpus_dir: Path = ROOT / "knowledge" / "corpus"
    modes_path: Path = ROOT / "eligibility" / "config" / "modes.yaml"
    web_dir: Path = ROOT / "web"
    seed_demo: bool = True  # seed the demo data account when the database has no profiles
    demo_enterprises: int = 2000
    demo_citizens: int = 1000
    seed: int = 2024
    today: Optional[dt.date] = None  # fixed date for demos and tests; None = the real date
    max_body_bytes: int = 1_000_000
    log_level: str = "info"

    class Config:
        env_prefix = "ELIGIBILITY_"

    def resolved_database_url(self) -> str:
        """Relative SQLite paths are taken from the project root, so the service finds var/ anywhere."""
        url = self.database_url
        prefix = "sqlite:///"
        if url.startswith(prefix) and not url.startswith(prefix + "/") and url != "sqlite:///:memory:":
            return prefix + str(ROOT / url[len(prefix):])
        return url
