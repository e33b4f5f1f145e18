"""An index directory loaded into memory: metadata, BM25 indexes, FAISS, the analyser and the encoder."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Optional

import numpy as np

from search import index_files as F
from search.dense import DenseIndex
from search.embedder import Embedder, load_embedder
from search.lexical import LexicalIndex
from search.records import Chunk, DocMeta, FaqEntry
from search.textproc import Analyzer, shared_analyzer
from search.types import FILTER_FIELDS, Filters


@dataclass
class LoadedIndex:
    path: Path
    manifest: Dict[str, Any]
    docs: List[DocMeta]
    chunks: List[Chunk]
    faq: List[FaqEntry]
    faq_vectors: np.ndarray
    chunk_doc: np.ndarray  # document row of every chunk
    lexical_chunks: LexicalIndex
    lexical_docs: LexicalIndex
    dense: DenseIndex
    analyzer: Analyzer
    embedder: Embedder

    @property
    def settings(self) -> Dict[str, Any]:
        return dict(self.manifest.get("search", {}))

    def __post_init__(self) -> None:
        self.doc_row = {d.doc_id: i for i, d in enumerate(self.docs)}
        self._attrs = {name: np.array([self._attr(d, name) for d in self.docs], dtype=object) for name in FILTER_FIELDS}

    @staticmethod
    def _attr(doc: DocMeta, name: str) -> str:
        return doc.doc_id if name == "doc_ids" else str(getattr(doc, name, ""))

    def doc_mask(self, filters: Optional[Filters]) -> Optional[np.ndarray]:
        """Bool per document, or None when nothing is filtered."""
        if filters is None or filters.empty():
            return None
        mask = np.ones(len(self.docs), dtype=bool)
        for name in FILTER_FIELDS:
            wanted = getattr(filters, name)
            if wanted is not None:
                mask &= np.isin(self._attrs[name], list(wanted))
        return mask

    def chunk_mask(self, filters: Optional[Filters]) -> Optional[np.ndarray]:
        docs = self.doc_mask(filters)
        return None if docs is None else docs[self.chunk_doc]

    def doc_of(self, chunk_row: int) -> DocMeta:
        return self.docs[int(self.chunk_doc[chunk_row])]


def check_model(manifest: Dict[str, Any]) -> Path:
    """The index's model directory, refusing one that was retrained since the index was built."""
    model = Path(manifest["model"]["path"])
    stamp = model / "training.json"
    if stamp.is_file():
        trained = F.read_json(stamp).get("fingerprint")
        if trained != manifest["model"].get("fingerprint"):
            raise ValueError(f"the model in {model} was retrained after this index was built: rebuild the index")
    return model


def load_index(index_dir: Path) -> LoadedIndex:
    index_dir = Path(index_dir)
    manifest = F.read_manifest(index_dir)
    model = check_model(manifest)
    docs = F.read_docs(index_dir / F.DOCS)
    chunks = F.read_chunks(index_dir / F.CHUNKS)
    rows = {d.doc_id: i for i, d in enumerate(docs)}
    analyzer_cfg = manifest.get("analyzer", {})
    user_dict = analyzer_cfg.get("user_dict")
    faiss_cfg = manifest.get("faiss", {})
    return LoadedIndex(
        path=index_dir, manifest=manifest, docs=docs, chunks=chunks, faq=F.read_faq(index_dir / F.FAQ),
        faq_vectors=np.load(index_dir / F.FAQ_EMBEDDINGS),
        chunk_doc=np.array([rows[c.doc_id] for c in chunks], dtype=np.int64),
        lexical_chunks=LexicalIndex.load(index_dir / F.BM25_CHUNKS),
        lexical_docs=LexicalIndex.load(index_dir / F.BM25_DOCS),
        dense=DenseIndex.load(index_dir / F.DENSE, int(faiss_cfg.get("nprobe", 16)), int(faiss_cfg.get("ef_search", 64))),
        analyzer=shared_analyzer(str(index_dir / user_dict) if user_dict else None,
                                 bool(analyzer_cfg.get("words", True)), bool(analyzer_cfg.get("bigrams", True))),
        embedder=load_embedder(model),
    )
