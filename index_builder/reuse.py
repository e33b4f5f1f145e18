"""Incremental rebuilds: the vectors of documents that did not change, taken from the previous index."""

from __future__ import annotations

from pathlib import Path
from typing import Dict, Optional

import numpy as np

from search import index_files as F


class PreviousIndex:
    """What an earlier build left in `index_dir`, if it was built with the same model."""

    def __init__(self, index_dir: Path, model_fp: Optional[str]):
        self.doc_vectors: Dict[str, np.ndarray] = {}
        self.doc_fps: Dict[str, str] = {}
        self.text_vectors: Dict[str, np.ndarray] = {}
        try:
            manifest = F.read_manifest(index_dir)
        except (FileNotFoundError, ValueError):
            return
        if model_fp is None or manifest.get("model", {}).get("fingerprint") != model_fp:
            return
        try:
            chunks = F.read_chunks(index_dir / F.CHUNKS)
            vectors = np.load(index_dir / F.EMBEDDINGS)
            faq = F.read_faq(index_dir / F.FAQ)
            faq_vectors = np.load(index_dir / F.FAQ_EMBEDDINGS)
        except (OSError, ValueError):
            return
        if len(chunks) != len(vectors) or len(faq) != len(faq_vectors):
            return
        self.doc_fps = dict(manifest.get("doc_fingerprints", {}))
        rows: Dict[str, list] = {}
        for i, c in enumerate(chunks):
            rows.setdefault(c.doc_id, []).append(i)
        self.doc_vectors = {d: vectors[r] for d, r in rows.items()}
        self.text_vectors = {f.question: faq_vectors[i] for i, f in enumerate(faq)}

    def vectors_for(self, doc_id: str, fingerprint: str, n_chunks: int) -> Optional[np.ndarray]:
        """The document's chunk vectors if the document is unchanged since the previous build."""
        old = self.doc_vectors.get(doc_id)
        if old is None or self.doc_fps.get(doc_id) != fingerprint or len(old) != n_chunks:
            return None
        return old
