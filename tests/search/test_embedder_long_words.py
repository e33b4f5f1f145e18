"""The encoder's linear matching of long words gives exactly the tokenizer's own WordPiece result.

A question pasted without spaces or punctuation is one pre-tokenized word, and the tokenizer's WordPiece
(greedy longest prefix, trying every end of the rest of the word) is cubic in its length: 20,000 characters
took minutes (issue 13). ``StaticEncoder`` matches words longer than ``LONG_WORD`` itself with the same rule,
bounded by the longest vocabulary entry; here both are compared on texts the tokenizer still does quickly."""

from __future__ import annotations

import random
import time

import numpy as np

from search.base import KnowledgeBase
from search.embedder import LONG_WORD, StaticEncoder


def _texts(kb: KnowledgeBase, seed: int = 7) -> list:
    rng = random.Random(seed)
    passages = [c.text for c in kb.index.chunks]
    out = []
    for n in range(120):
        text = "".join(rng.choice(passages) for _ in range(4))
        if n % 2:
            text = "".join(ch for ch in text if ch.isalnum())  # one long run
        if n % 5 == 0:  # a character the vocabulary has never seen: WordPiece makes the whole word [UNK]
            cut = rng.randrange(len(text))
            text = text[:cut] + "ぁ" + text[cut:]
        if n % 7 == 0:
            text = "".join(rng.choice("高新技术企业认定补贴ABC12３") for _ in range(rng.randint(LONG_WORD, 900)))
        out.append(text[: rng.randint(LONG_WORD + 1, 1200)])
    return out


def test_long_words_tokenize_exactly_as_the_tokenizer_does(kb: KnowledgeBase) -> None:
    encoder = kb.index.embedder
    assert isinstance(encoder, StaticEncoder) and encoder.greedy_ok
    texts = _texts(kb)
    assert sum(encoder._has_long_word(t) for t in texts) >= 30  # the linear path is really exercised
    for text in texts:
        assert encoder.token_ids(text) == encoder.tokenizer.encode(text, add_special_tokens=False).ids, text[:60]


def test_vectors_are_the_same_as_from_the_tokenizer(kb: KnowledgeBase) -> None:
    encoder = kb.index.embedder
    assert isinstance(encoder, StaticEncoder)
    texts = _texts(kb, seed=11)[:30] + ["高新技术企业认定有什么奖励？", "人才租房补贴"]
    ours = encoder.encode(texts)
    for text, vector in zip(texts, ours):
        ids = encoder.tokenizer.encode(text, add_special_tokens=False).ids
        expected = encoder.weights[ids].mean(axis=0) if ids else np.zeros(encoder.dim, dtype=np.float32)
        expected = expected / max(float(np.linalg.norm(expected)), 1e-12)
        assert np.allclose(vector, expected, atol=1e-6), text[:60]


def test_a_20000_character_word_encodes_in_linear_time(kb: KnowledgeBase) -> None:
    encoder = kb.index.embedder
    text = ("高新技术企业认定有什么奖励" * 2000)[:20_000]
    start = time.perf_counter()
    encoder.encode([text])
    assert time.perf_counter() - start < 1.5  # the tokenizer itself: minutes
