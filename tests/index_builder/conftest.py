from __future__ import annotations

from pathlib import Path
from typing import Any, Dict, Tuple

import pytest

from index_builder.builder import build_index
from tests.knowledge.helpers import CORPUS, tiny_config


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Tuple[Path, Dict[str, Any]]:
    """(index directory, build report) of the fixture corpus, with a tiny trained model."""
    root = tmp_path_factory.mktemp("build")
    report = build_index(CORPUS, root / "index", tiny_config(root / "embedder"), progress=False)
    return root, report
