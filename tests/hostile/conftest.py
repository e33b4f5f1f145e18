"""Shared by the hostile-input tests: the real search index of the corpus, built once per session."""

from __future__ import annotations

from pathlib import Path

import pytest
from sanic import Sanic

from index_builder.builder import build_index
from index_builder.config import DEFAULT_CONFIG, load_config
from search.base import KnowledgeBase, load_knowledge_base
from tests.bot.channels.conftest import wechat  # noqa: F401 - the WeChat channel harness, as a fixture here

ROOT = Path(__file__).resolve().parents[2]
# several Sanic apps start in one process here (the action server, the REST channel, the WeChat channel)
Sanic.test_mode = True


@pytest.fixture(scope="session")
def corpus_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("hostile-index")
    build_index(ROOT / "knowledge" / "corpus", out, load_config(DEFAULT_CONFIG), log=lambda *_: None, progress=False)
    return out


@pytest.fixture(scope="session")
def corpus_kb(corpus_index: Path) -> KnowledgeBase:
    return load_knowledge_base(corpus_index)
