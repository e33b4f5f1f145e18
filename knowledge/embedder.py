"""Sentence embeddings for search: any local sentence-transformers model directory, loaded once.

A model that is a single StaticEmbedding module (the default, trained by index_builder) is evaluated
with numpy straight from its tokenizer.json and weights, exactly as sentence-transformers computes it
(mean of token vectors), without importing torch: loading takes well under a second. Any other model
goes through sentence-transformers. Nothing is downloaded: the hub is switched off and only an existing
directory is accepted.
"""

from __future__ import annotations

import json
import os
import threading
from functools import lru_cache
from pathlib import Path
from typing import Any, List, Protocol, Sequence

import numpy as np

from knowledge.simplified import to_simplified

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


class Embedder(Protocol):
    dim: int

    def encode(self, texts: Sequence[str], batch_size: int = 256, progress: bool = False) -> np.ndarray: ...


def _simplified(texts: Sequence[str]) -> List[str]:
    """What every encoder sees: the corpus and the trained vocabulary are in simplified characters."""
    return [to_simplified(t) for t in texts]


def _unit(vectors: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return np.ascontiguousarray(vectors / np.maximum(norms, 1e-12), dtype=np.float32)


class StaticEncoder:
    """Mean of token vectors, as sentence-transformers' StaticEmbedding, in numpy."""

    def __init__(self, module_dir: Path):
        from safetensors.numpy import load_file
        from tokenizers import Tokenizer

        self.tokenizer = Tokenizer.from_file(str(module_dir / "tokenizer.json"))
        self.tokenizer.no_padding()
        self.tokenizer.no_truncation()
        weights = load_file(str(module_dir / "model.safetensors"))
        self.weights = np.asarray(weights.get("embedding.weight", weights.get("embeddings")), dtype=np.float32)
        self.dim = int(self.weights.shape[1])

    def encode(self, texts: Sequence[str], batch_size: int = 256, progress: bool = False) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for start in range(0, len(texts), 4096):
            encodings = self.tokenizer.encode_batch(_simplified(texts[start : start + 4096]), add_special_tokens=False)
            for i, enc in enumerate(encodings):
                if enc.ids:
                    out[start + i] = self.weights[enc.ids].mean(axis=0)
        return _unit(out)


class TransformerEncoder:
    """Any other sentence-transformers model directory."""

    def __init__(self, path: Path):
        from sentence_transformers import SentenceTransformer

        self.model = SentenceTransformer(str(path), device="cpu", local_files_only=True)
        self.dim = int(self.model.get_embedding_dimension() or 0)
        self._lock = threading.Lock()

    def encode(self, texts: Sequence[str], batch_size: int = 256, progress: bool = False) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        with self._lock:
            vectors: Any = self.model.encode(_simplified(texts), batch_size=batch_size, normalize_embeddings=True,
                                             convert_to_numpy=True, show_progress_bar=progress)
        return _unit(np.asarray(vectors, dtype=np.float32))


def _modules(path: Path) -> List[dict]:
    try:
        return list(json.loads((path / "modules.json").read_text(encoding="utf-8")))
    except (OSError, ValueError) as exc:
        raise FileNotFoundError(f"{path} is not a sentence-transformers model directory (no modules.json)") from exc


@lru_cache(maxsize=4)
def _cached(path: str, stamp: float) -> Embedder:
    root = Path(path)
    modules = _modules(root)
    if len(modules) == 1 and str(modules[0].get("type", "")).endswith("StaticEmbedding"):
        module_dir = root / str(modules[0].get("path", ""))
        if (module_dir / "model.safetensors").is_file() and (module_dir / "tokenizer.json").is_file():
            return StaticEncoder(module_dir)
    return TransformerEncoder(root)


def load_embedder(path: Path) -> Embedder:
    """One encoder per model directory per process (reloaded when the directory's modules.json changes)."""
    path = Path(path).resolve()
    marker = path / "modules.json"
    return _cached(str(path), marker.stat().st_mtime if marker.exists() else 0.0)
