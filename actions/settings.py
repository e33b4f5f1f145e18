"""The action server's settings, in one typed object read from the environment (POLICYBOT_*)."""

from __future__ import annotations

import datetime as dt
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
    # a fixed date for demos and tests, the same one the eligibility service reads (ELIGIBILITY_TODAY);
    # None = the real date. What an answer says about a window that has closed is measured from it.
    today: Optional[dt.date] = None

    def current_date(self) -> dt.date:
        return self.today or dt.date.today()

    class Config:
        env_prefix = "POLICYBOT_"
        fields = {"today": {"env": ["POLICYBOT_TODAY", "ELIGIBILITY_TODAY"]}}


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
