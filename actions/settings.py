"""The action server's settings, in one typed object read from the environment (POLICYBOT_*)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Optional

from pydantic import BaseSettings

ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    eligibility_url: str = "http://127.0.0.1:8100"
    eligibility_timeout_s: float = 5.0
    index_dir: Path = ROOT / "var" / "index"
    max_questions: int = 5  # questions asked at most before showing the matches
    # the action server's own credential at the eligibility service (ELIGIBILITY_SERVICE_KEY there);
    # `policybot run` generates one per start and gives it to both
    service_key: Optional[str] = None

    class Config:
        env_prefix = "POLICYBOT_"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
