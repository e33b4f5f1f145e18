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
import re
import threading
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, List, Optional, Protocol, Sequence

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


LONG_WORD = 128  # characters: a pre-tokenized word longer than this is matched in linear time (see below)
_LONG_RUN = re.compile(r"\S{" + str(LONG_WORD + 1) + ",}")


class StaticEncoder:
    """Mean of token vectors, as sentence-transformers' StaticEmbedding, in numpy.

    The tokenizer's WordPiece model (empty continuation prefix: greedy longest-prefix matching) tries every
    end of the rest of a word, longest first, building each substring: cubic in a word's length. A question
    pasted without spaces or punctuation is one word, so 4,000 characters took seconds and 20,000 minutes
    (issue 13). Words longer than ``LONG_WORD`` are therefore matched here with the same rule, trying only
    ends up to the longest vocabulary entry (linear); shorter words, and so every ordinary text, go through
    the tokenizer itself. ``token_ids`` equals ``tokenizer.encode(text).ids`` (checked in tests).
    """

    def __init__(self, module_dir: Path):
        from safetensors.numpy import load_file
        from tokenizers import Tokenizer

        self.tokenizer = Tokenizer.from_file(str(module_dir / "tokenizer.json"))
        self.tokenizer.no_padding()
        self.tokenizer.no_truncation()
        weights = load_file(str(module_dir / "model.safetensors"))
        self.weights = np.asarray(weights.get("embedding.weight", weights.get("embeddings")), dtype=np.float32)
        self.dim = int(self.weights.shape[1])
        model = self.tokenizer.model
        self.vocab: Dict[str, int] = self.tokenizer.get_vocab()
        self.unk: Optional[int] = self.vocab.get(str(getattr(model, "unk_token", "[UNK]")))
        self.longest = max((len(w) for w in self.vocab), default=1)
        self.max_word = int(getattr(model, "max_input_chars_per_word", 100))
        # the linear matcher reproduces WordPiece with an empty continuation prefix and no added tokens
        self.greedy_ok = (type(model).__name__ == "WordPiece" and getattr(model, "continuing_subword_prefix", None) == ""
                          and self.unk is not None and not self.tokenizer.get_added_tokens_decoder())

    def encode(self, texts: Sequence[str], batch_size: int = 256, progress: bool = False) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for start in range(0, len(texts), 4096):
            batch = _simplified(texts[start : start + 4096])
            ordinary = [i for i, text in enumerate(batch) if not self._has_long_word(text)]
            ids: Dict[int, List[int]] = {}
            if ordinary:
                encodings = self.tokenizer.encode_batch([batch[i] for i in ordinary], add_special_tokens=False)
                ids = {i: enc.ids for i, enc in zip(ordinary, encodings)}
            for i, text in enumerate(batch):
                row = ids[i] if i in ids else self._long_ids(text)
                if row:
                    out[start + i] = self.weights[row].mean(axis=0)
        return _unit(out)

    def token_ids(self, text: str) -> List[int]:
        """The token ids of one (already simplified) text, as ``tokenizer.encode(text).ids``."""
        if not self._has_long_word(text):
            return list(self.tokenizer.encode(text, add_special_tokens=False).ids)
        return self._long_ids(text)

    def _normalised(self, text: str) -> str:
        normalizer = self.tokenizer.normalizer
        return str(normalizer.normalize_str(text)) if normalizer is not None else text

    def _has_long_word(self, text: str) -> bool:
        return len(text) > LONG_WORD and _LONG_RUN.search(self._normalised(text)) is not None

    def _long_ids(self, text: str) -> List[int]:
        normalised = self._normalised(text)
        pre = self.tokenizer.pre_tokenizer
        words = [w for w, _ in pre.pre_tokenize_str(normalised)] if pre is not None else normalised.split()
        out: List[int] = []
        for word in words:
            if len(word) <= LONG_WORD:
                out.extend(token.id for token in self.tokenizer.model.tokenize(word))
            elif self.greedy_ok:
                out.extend(self._greedy(word))
            else:  # another tokenizer model: its own rule on bounded pieces (an approximation, for such words only)
                for i in range(0, len(word), LONG_WORD):
                    out.extend(token.id for token in self.tokenizer.model.tokenize(word[i : i + LONG_WORD]))
        return out

    def _greedy(self, word: str) -> List[int]:
        """WordPiece's greedy longest-prefix match of one word, in O(len(word) x longest vocabulary entry):
        the whole word is one unknown token when it is too long or any position matches nothing."""
        assert self.unk is not None
        if len(word) > self.max_word:
            return [self.unk]
        ids: List[int] = []
        start, n = 0, len(word)
        while start < n:
            for end in range(min(n, start + self.longest), start, -1):
                found = self.vocab.get(word[start:end])
                if found is not None:
                    ids.append(found)
                    start = end
                    break
            else:
                return [self.unk]
        return ids


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
