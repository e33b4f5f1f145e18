from __future__ import annotations

from pathlib import Path

import pytest

from index_builder.builder import build_index
from search.base import KnowledgeBase, load_knowledge_base
from tests.knowledge.helpers import CORPUS, tiny_config


@pytest.fixture(scope="session")
def fixture_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The five-document fixture corpus, built once per test session with a tiny trained model."""
    root = tmp_path_factory.mktemp("kb")
    build_index(CORPUS, root / "index", tiny_config(root / "embedder"), progress=False)
    return root / "index"


@pytest.fixture(scope="session")
def kb(fixture_index: Path) -> KnowledgeBase:
    return load_knowledge_base(fixture_index)
