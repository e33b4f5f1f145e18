"""The layout of an index directory and the reading and writing of its metadata store.

    manifest.json      what was built, from what, with which settings (search settings included)
    docs.json          DocMeta per document, in index order
    chunks.jsonl       Chunk per line, in index order (row i of every matrix below)
    faq.json           curated questions and answers
    embeddings.npy     unit vectors of the chunks (kept for incremental rebuilds)
    faq_embeddings.npy unit vectors of the FAQ questions
    dense.faiss        FAISS index over embeddings.npy
    bm25_chunks/       BM25 of the chunks (title, names, heading, text): bm25.npz + vocab.json
    bm25_docs/         BM25 of whole documents (the document-level prior)
    jieba_dict/        the user dictionary the analyser used
    report.json        the build report
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Dict, List

from search.records import Chunk, DocMeta, FaqEntry

MANIFEST = "manifest.json"
DOCS = "docs.json"
CHUNKS = "chunks.jsonl"
FAQ = "faq.json"
EMBEDDINGS = "embeddings.npy"
FAQ_EMBEDDINGS = "faq_embeddings.npy"
DENSE = "dense.faiss"
BM25_CHUNKS = "bm25_chunks"
BM25_DOCS = "bm25_docs"
JIEBA_DICT = "jieba_dict"
REPORT = "report.json"
FORMAT_VERSION = 2


def write_json(path: Path, value: Any) -> None:
    tmp = Path(f"{path}.tmp")
    tmp.write_text(json.dumps(value, ensure_ascii=False, indent=1), encoding="utf-8")
    os.replace(tmp, path)


def read_json(path: Path) -> Any:
    return json.loads(Path(path).read_text(encoding="utf-8"))


def write_chunks(path: Path, chunks: List[Chunk]) -> None:
    tmp = Path(f"{path}.tmp")
    with tmp.open("w", encoding="utf-8") as f:
        for c in chunks:
            f.write(json.dumps(c.to_json(), ensure_ascii=False) + "\n")
    os.replace(tmp, path)


def read_chunks(path: Path) -> List[Chunk]:
    with Path(path).open(encoding="utf-8") as f:
        return [Chunk.from_json(json.loads(line)) for line in f if line.strip()]


def read_docs(path: Path) -> List[DocMeta]:
    return [DocMeta.from_json(d) for d in read_json(path)]


def read_faq(path: Path) -> List[FaqEntry]:
    return [FaqEntry(**f) for f in read_json(path)]


def read_manifest(index_dir: Path) -> Dict[str, Any]:
    path = Path(index_dir) / MANIFEST
    if not path.is_file():
        raise FileNotFoundError(f"no index at {index_dir} (build it with `policybot build-index`)")
    manifest = read_json(path)
    if manifest.get("format") != FORMAT_VERSION:
        raise ValueError(f"index at {index_dir} has format {manifest.get('format')}, expected {FORMAT_VERSION}: rebuild it")
    return manifest
