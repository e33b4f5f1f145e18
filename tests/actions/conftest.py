"""Action tests: frozen trackers, a real eligibility service on loopback, a real index of the corpus."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional

import pytest
import uvicorn
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import settings as action_settings
from actions.clients import knowledge
from eligibility.app import create_app
from eligibility.settings import Settings
from index_builder.builder import build_index
from index_builder.config import DEFAULT_CONFIG, load_config
from tests.ports import free_port

ROOT = Path(__file__).resolve().parents[2]



@pytest.fixture(scope="session")
def eligibility_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    db = tmp_path_factory.mktemp("actions") / "eligibility.db"
    app = create_app(Settings(database_url=f"sqlite:///{db}"))
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", ws="none"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.time() + 30
    while not server.started:
        assert time.time() < deadline, "eligibility service did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="session")
def index_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("index")
    build_index(ROOT / "knowledge" / "corpus", out, load_config(DEFAULT_CONFIG), log=lambda *_: None, progress=False)
    return out


@pytest.fixture(autouse=True)
def wired(monkeypatch: pytest.MonkeyPatch, eligibility_url: str, index_dir: Path) -> Iterator[None]:
    monkeypatch.setenv("POLICYBOT_ELIGIBILITY_URL", eligibility_url)
    monkeypatch.setenv("POLICYBOT_INDEX_DIR", str(index_dir))
    action_settings.get_settings.cache_clear()
    knowledge.knowledge_base.cache_clear()
    yield
    action_settings.get_settings.cache_clear()


def tracker(text: str = "", intent: str = "ask_policy", slots: Optional[Dict[str, Any]] = None,
            entities: Optional[List[Dict[str, Any]]] = None, events: Optional[List[Dict[str, Any]]] = None,
            ranking: Optional[List[Dict[str, Any]]] = None, sender: str = "test-user") -> Tracker:
    """A frozen tracker: the state Rasa would send the action server after this user message."""
    latest = {"text": text, "intent": {"name": intent, "confidence": 0.9}, "entities": entities or [],
              "intent_ranking": ranking or [{"name": intent, "confidence": 0.9}]}
    user_event = {"event": "user", "text": text, "parse_data": latest}
    return Tracker(sender, slots or {}, latest, [*(events or []), user_event], False, None, None, "action_listen")


def said(dispatcher: CollectingDispatcher) -> str:
    return "\n".join(m.get("text") or "" for m in dispatcher.messages)


def custom(dispatcher: CollectingDispatcher) -> List[Dict[str, Any]]:
    return [m["custom"] for m in dispatcher.messages if m.get("custom")]


def slots_set(events: List[Dict[str, Any]]) -> Dict[str, Any]:
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}
