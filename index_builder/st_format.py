"""Writing a StaticEmbedding model as a sentence-transformers directory, without importing the library.

The layout is the one sentence-transformers itself saves for `SentenceTransformer(modules=[StaticEmbedding])`:
modules.json naming the module, config_sentence_transformers.json, model.safetensors holding
`embedding.weight`, and tokenizer.json. Any sentence-transformers install loads it by path.
"""

from __future__ import annotations

import json
from importlib import metadata
from pathlib import Path
from typing import Any, Dict

import numpy as np
from safetensors.numpy import save_file
from tokenizers import Tokenizer

MODULE_TYPE = "sentence_transformers.sentence_transformer.modules.static_embedding.StaticEmbedding"


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "unknown"


def write_static_model(path: Path, tokenizer: Tokenizer, weights: np.ndarray, card: Dict[str, Any]) -> None:
    path = Path(path)
    path.mkdir(parents=True, exist_ok=True)
    (path / "modules.json").write_text(json.dumps([{"idx": 0, "name": "0", "path": "", "type": MODULE_TYPE}],
                                                  indent=2), encoding="utf-8")
    config = {"__version__": {"sentence_transformers": _version("sentence-transformers"), "pytorch": _version("torch")},
              "model_type": "SentenceTransformer", "prompts": {"query": "", "document": ""},
              "default_prompt_name": None, "similarity_fn_name": "cosine"}
    (path / "config_sentence_transformers.json").write_text(json.dumps(config, indent=2), encoding="utf-8")
    save_file({"embedding.weight": np.ascontiguousarray(weights, dtype=np.float32)}, str(path / "model.safetensors"))
    tokenizer.save(str(path / "tokenizer.json"))
    lines = ["# 政策通 corpus embedder", "",
             "A sentence-transformers StaticEmbedding trained by `index_builder` from the corpus alone",
             "(LSA initialisation, MultipleNegativesRankingLoss on pairs made from the corpus).", "",
             "```json", json.dumps(card, ensure_ascii=False, indent=1), "```", ""]
    (path / "README.md").write_text("\n".join(lines), encoding="utf-8")
