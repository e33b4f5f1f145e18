"""Tokenising many texts with the analyser: in worker processes for big corpora (jieba is pure Python)."""

from __future__ import annotations

import multiprocessing as mp
import os
from typing import List, Optional, Sequence

from tqdm import tqdm

from search.textproc import Analyzer, char_bigrams, normalise

_WORKER: Optional[Analyzer] = None
PARALLEL_FROM = 4000  # texts; below this, worker start-up costs more than it saves


def words_and_bigrams(analyzer: Analyzer, text: str) -> tuple[List[str], List[str]]:
    text = normalise(text)
    words = analyzer.words(text) if analyzer.use_words else []
    return words, (char_bigrams(text) if analyzer.use_bigrams else [])


def _work(text: str) -> tuple[List[str], List[str]]:
    assert _WORKER is not None
    return words_and_bigrams(_WORKER, text)


def tokenize_all(analyzer: Analyzer, texts: Sequence[str], workers: int = 0, desc: str = "tokenise",
                 progress: bool = True) -> List[tuple[List[str], List[str]]]:
    """(words, bigrams) per text, in order."""
    global _WORKER
    workers = workers or min(2, os.cpu_count() or 1)
    bar = dict(total=len(texts), desc=desc, unit="text", leave=False, disable=not progress)
    if workers <= 1 or len(texts) < PARALLEL_FROM or "fork" not in mp.get_all_start_methods():
        return [words_and_bigrams(analyzer, t) for t in tqdm(texts, **bar)]
    analyzer.warm()  # initialise once, before forking, so workers inherit it
    _WORKER = analyzer
    try:
        with mp.get_context("fork").Pool(workers) as pool:
            return list(tqdm(pool.imap(_work, texts, chunksize=256), **bar))
    finally:
        _WORKER = None
