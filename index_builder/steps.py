"""The build itself: dictionary, chunks, tokens, model, vectors (reused when unchanged), FAISS, BM25, files."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import statistics
from pathlib import Path
from typing import Any, Dict, List, Optional, Set, Tuple

import numpy as np

from index_builder.builder import Log, Timer, sha
from index_builder.chunker import chunk_source
from index_builder.config import Config
from index_builder.embedder_train import TrainResult, ensure_model
from index_builder.jieba_dict import document_terms, write_terms
from index_builder.model_source import model_fingerprint
from index_builder.reuse import PreviousIndex
from index_builder.sources import Source
from index_builder.tokenize import tokenize_all
from search import index_files as F
from search.dense import DenseIndex, build_faiss
from search.embedder import Embedder, load_embedder
from search.lexical import LexicalIndex
from search.records import Chunk, FaqEntry
from search.textproc import Analyzer


def faq_entries(sources: List[Source]) -> List[FaqEntry]:
    return [FaqEntry(s.doc_id, f.q, f.a) for s in sources if s.document is not None for f in s.document.faq]


def tokenise(sources: List[Source], chunks: List[Chunk], analyzer: Analyzer, progress: bool
             ) -> Tuple[List[List[str]], List[List[str]], List[List[str]]]:
    """(BM25 tokens per chunk, words per chunk for the embedder's vocabulary, BM25 tokens per document).

    Titles and headings repeat across chunks, so each distinct one is tokenised once.
    """
    names = {s.doc_id: " ".join(s.meta.names()) for s in sources}
    short = sorted({c.title for c in chunks} | {c.heading for c in chunks if c.heading} | set(names.values())
                   | {c.names for c in chunks if c.names})
    short_toks = dict(zip(short, tokenize_all(analyzer, short, desc="tokenise titles", progress=False)))
    texts = tokenize_all(analyzer, [c.text for c in chunks], desc="tokenise chunks", progress=progress)
    chunk_tokens, chunk_words = [], []
    by_doc: Dict[str, List[str]] = {s.doc_id: [w for part in short_toks[names[s.doc_id]] for w in part]
                                    for s in sources}
    empty: Tuple[List[str], List[str]] = ([], [])
    for c, (words, bigrams) in zip(chunks, texts):
        tw, tb = short_toks[c.title]
        nw, nb = short_toks.get(c.names, empty)
        hw, hb = short_toks.get(c.heading, empty)
        chunk_tokens.append(tw + nw + hw + words + tb + nb + hb + bigrams)
        chunk_words.append(tw + nw + hw + words)
        by_doc[c.doc_id].extend(hw + words + hb + bigrams)
    return chunk_tokens, chunk_words, [by_doc[s.doc_id] for s in sources]


def embed(chunks: List[Chunk], faq: List[FaqEntry], embedder: Embedder, prev: PreviousIndex, progress: bool
          ) -> Tuple[np.ndarray, np.ndarray, Dict[str, str], List[str]]:
    """(chunk vectors, faq vectors, text key per document, documents embedded anew)."""
    rows: Dict[str, List[int]] = {}
    for i, c in enumerate(chunks):
        rows.setdefault(c.doc_id, []).append(i)
    keys = {d: sha([chunks[i].indexed_text() for i in r]) for d, r in rows.items()}
    vectors = np.zeros((len(chunks), embedder.dim), dtype=np.float32)
    todo: List[int] = []
    fresh: List[str] = []
    for doc_id, r in rows.items():
        old = prev.vectors_for(doc_id, keys[doc_id], len(r))
        if old is None:
            todo.extend(r)
            fresh.append(doc_id)
        else:
            vectors[r] = old
    if todo:
        vectors[todo] = embedder.encode([chunks[i].indexed_text() for i in todo], progress=progress and len(todo) > 2000)
    known = dict(prev.text_vectors)
    missing = [f.question for f in faq if f.question not in known]
    known.update(zip(missing, embedder.encode(missing)))
    faq_vectors = np.zeros((len(faq), embedder.dim), dtype=np.float32)
    for i, f in enumerate(faq):
        faq_vectors[i] = known[f.question]
    return vectors, faq_vectors, keys, fresh


def chunk_stats(chunks: List[Chunk]) -> Dict[str, Any]:
    lengths = [len(c.text) for c in chunks] or [0]
    return {"count": len(chunks), "mean_chars": round(statistics.mean(lengths), 1),
            "median_chars": statistics.median(lengths), "max_chars": max(lengths)}


def swap_in(work: Path, out: Path) -> None:
    """Replace `out` by `work` (readers that hold old files open keep them)."""
    old = out.with_name(out.name + f".old-{os.getpid()}")
    if out.exists():
        out.rename(old)
    work.rename(out)
    shutil.rmtree(old, ignore_errors=True)


def run_build(sources: List[Source], out: Path, cfg: Config, timer: Timer, fps: Dict[str, str], model: Path,
              drop_in: bool, log: Log, progress: bool, retrain: bool = False) -> Dict[str, Any]:
    work = out.with_name(out.name + f".building-{os.getpid()}")
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    try:
        report = _build(sources, out, work, cfg, timer, fps, model, drop_in, log, progress, retrain)
        swap_in(work, out)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return report


def _build(sources: List[Source], out: Path, work: Path, cfg: Config, timer: Timer, fps: Dict[str, str],
           model: Path, drop_in: bool, log: Log, progress: bool, retrain: bool = False) -> Dict[str, Any]:
    terms: Set[str] = set()
    for s in sources:
        if s.document is not None:
            terms |= document_terms(s.document)
    dict_path = write_terms(terms, work / F.JIEBA_DICT) if terms else None
    acfg = cfg.analyzer
    analyzer = Analyzer(dict_path, words=bool(acfg.get("words", True)), bigrams=bool(acfg.get("bigrams", True)))
    timer.lap("dictionary")
    titles = {s.doc_id: s.meta.title for s in sources}
    chunks = [c for s in sources for c in chunk_source(s, cfg.chunker, titles)]
    faq = faq_entries(sources)
    timer.lap("chunk")
    chunk_tokens, chunk_words, doc_tokens = tokenise(sources, chunks, analyzer, progress)
    timer.lap("tokenise")
    trained: Optional[TrainResult] = None
    if drop_in:
        model_fp = model_fingerprint(model)
        if model_fp is None:
            raise FileNotFoundError(f"embedder.model {model} is not a sentence-transformers model directory")
    else:
        trained = ensure_model(model, chunks, chunk_words, sources, cfg.embedder, log, progress, retrain)
        model_fp = trained.fingerprint
    timer.lap("train")
    embedder = load_embedder(model)
    prev = PreviousIndex(out, model_fp)
    vectors, faq_vectors, keys, fresh = embed(chunks, faq, embedder, prev, progress)
    timer.lap("embed")
    fcfg = cfg.faiss
    index, factory = build_faiss(vectors, str(fcfg.get("factory", "Flat")), int(cfg.embedder.get("seed", 13)))
    DenseIndex(index).save(work / F.DENSE)
    timer.lap("faiss")
    bcfg = cfg.bm25
    LexicalIndex.build(chunk_tokens, float(bcfg.get("k1", 0.9)), float(bcfg.get("b", 0.3))).save(work / F.BM25_CHUNKS)
    LexicalIndex.build(doc_tokens, float(bcfg.get("doc_k1", 1.2)), float(bcfg.get("doc_b", 0.75))).save(work / F.BM25_DOCS)
    timer.lap("bm25")
    F.write_json(work / F.DOCS, [s.meta.to_json() for s in sources])
    F.write_chunks(work / F.CHUNKS, chunks)
    F.write_json(work / F.FAQ, [f.to_json() for f in faq])
    np.save(work / F.EMBEDDINGS, vectors)
    np.save(work / F.FAQ_EMBEDDINGS, faq_vectors)
    manifest = {
        "format": F.FORMAT_VERSION, "built_at": dt.datetime.now().isoformat(timespec="seconds"), **fps,
        "model": {"path": str(model), "fingerprint": model_fp, "drop_in": drop_in, "dim": embedder.dim},
        "analyzer": {"user_dict": f"{F.JIEBA_DICT}/{dict_path.name}" if dict_path else None,
                     "words": analyzer.use_words, "bigrams": analyzer.use_bigrams},
        "faiss": {"factory": factory, "nprobe": int(fcfg.get("nprobe", 16)), "ef_search": int(fcfg.get("ef_search", 64))},
        "search": cfg.search, "doc_fingerprints": keys,
        "counts": {"docs": len(sources), "chunks": len(chunks), "faq": len(faq)},
    }
    F.write_json(work / F.MANIFEST, manifest)
    timer.lap("write")
    report = {
        "skipped": False, "index": str(out), "docs": len(sources), "chunks": chunk_stats(chunks), "faq": len(faq),
        "embedded_docs": sorted(fresh), "reused_docs": len(sources) - len(fresh),
        "removed_docs": sorted(set(prev.doc_fps) - set(keys)),
        "model": {"path": str(model), "drop_in": drop_in, "trained": bool(trained and trained.trained),
                  "train_seconds": round(trained.seconds, 1) if trained else 0.0,
                  "pairs": trained.pairs if trained else 0, "vocab": trained.vocab if trained else 0},
        "faiss_factory": factory, "dictionary_terms": len(terms), "seconds": timer.seconds,
        "total_seconds": timer.total(),
    }
    F.write_json(work / F.REPORT, report)
    return report
