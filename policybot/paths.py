"""Where things live. Everything generated goes under var/ (git-ignored)."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VAR = ROOT / "var"
CORPUS = ROOT / "knowledge" / "corpus"
INDEX = VAR / "index"
MODELS = VAR / "models"
RASA_MODELS = MODELS / "rasa"
JIEBA_DICT = VAR / "jieba_dict"
GENERATED_NLU = VAR / "nlu_generated"
NLU_DATA = ROOT / "nlu_data"
DOMAIN = ROOT / "bot" / "domain"
CONFIG = ROOT / "config.yml"
ENDPOINTS = ROOT / "bot" / "endpoints.yml"
CREDENTIALS = ROOT / "bot" / "credentials.yml"
LOGS = VAR / "logs"
