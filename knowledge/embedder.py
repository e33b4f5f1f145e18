"""Sentence embeddings for search: any local sentence-transformers model directory, loaded once.

Nothing is downloaded: the hub is switched off before sentence-transformers is imported, and only a
path that exists is accepted.
"""

from __future__ import annotations

import os
import threading
from functools import lru_cache
from pathlib import Path
from typing import List, Sequence

import numpy as np

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


class Embedder:
    def __init__(self, path: Path):
        from sentence_transformers import SentenceTransformer

        path = Path(path)
        if not (path / "modules.json").is_file():
            raise FileNotFoundError(f"{path} is not a sentence-transformers model directory (no modules.json)")
        self.path = path
        self.model = SentenceTransformer(str(path), device="cpu", local_files_only=True)
        self.dim = int(self.model.get_sentence_embedding_dimension() or 0)
        self._lock = threading.Lock()

    def encode(self, texts: Sequence[str], batch_size: int = 256, progress: bool = False) -> np.ndarray:
        """Unit vectors, float32, one row per text."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        with self._lock:
            vectors = self.model.encode(list(texts), batch_size=batch_size, normalize_embeddings=True,
                                        convert_to_numpy=True, show_progress_bar=progress)
        return np.ascontiguousarray(vectors, dtype=np.float32)

    def encode_one(self, text: str) -> np.ndarray:
        return self.encode([text])[0]


@lru_cache(maxsize=4)
def _cached(path: str, mtime: float) -> Embedder:
    return Embedder(Path(path))


def load_embedder(path: Path) -> Embedder:
    """One model per directory per process (reloaded if the directory's modules.json changes)."""
    path = Path(path).resolve()
    marker = path / "modules.json"
    return _cached(str(path), marker.stat().st_mtime if marker.exists() else 0.0)


def encode_texts(path: Path, texts: List[str]) -> np.ndarray:
    return load_embedder(path).encode(texts)
