"""Training pairs for the embedding model, made from the corpus text alone.

- inverse cloze: a sentence of a chunk -> the chunk without that sentence (sometimes with the title in
  the query, the way people name the policy they ask about);
- a curated FAQ question -> its answer and the document's summary (YAML corpus);
- a title / short title / alias -> the document's chunks;
- a heading -> the chunk under it;
- a question written in the text (问：…？ or a sentence ending in ？) -> the chunk that answers it.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from typing import Dict, List, Sequence

from index_builder.sources import Source
from index_builder.text_splitter import SENTENCE
from search.records import Chunk

_QUESTION = re.compile(r"[^。！？?\s“”]{6,60}[？?]")
_PLACEHOLDER = re.compile(r"^第\d+段$")
# Generic question scaffolding (not taken from any query set): pseudo-queries wear it sometimes, so the
# model learns to give it little weight, as people's questions are full of it.
ASKS = ("是什么？", "有哪些？", "怎么办？", "如何办理？", "有什么要求？", "是多少？", "有什么规定？", "什么时候？",
        "有什么政策？", "需要什么材料？", "可以申请吗？", "有哪些措施？")
LEADS = ("", "", "请问", "我想问一下", "想了解")


def dress(query: str, rng: random.Random) -> str:
    """The query as a question: a lead-in and a question tail around it."""
    return f"{rng.choice(LEADS)}{query.rstrip('。；;，,')}{rng.choice(ASKS)}"


@dataclass(frozen=True)
class Pair:
    query: str
    chunk: int  # index of the positive chunk
    drop: str = ""  # text removed from the positive (inverse cloze), "" for none


def _ict(chunks: Sequence[Chunk], rng: random.Random, title_rate: float, ask_rate: float) -> List[Pair]:
    out = []
    for i, c in enumerate(chunks):
        if "faq" in c.tags:
            continue
        for s in SENTENCE.findall(c.text):
            s = s.strip()
            if len(s) >= 8:
                query = f"{c.title[:20]} {s}" if rng.random() < title_rate else s
                out.append(Pair(dress(query, rng) if rng.random() < ask_rate else query, i, s))
    return out


def _names(chunks: Sequence[Chunk], sources: Dict[str, Source], rng: random.Random, per_name: int) -> List[Pair]:
    by_doc: Dict[str, List[int]] = {}
    for i, c in enumerate(chunks):
        by_doc.setdefault(c.doc_id, []).append(i)
    out = []
    for doc_id, idx in by_doc.items():
        meta = sources[doc_id].meta
        for name in meta.names():
            out += [Pair(name, i) for i in rng.sample(idx, min(per_name, len(idx)))]
    return out


def _headings_and_questions(chunks: Sequence[Chunk], source_text: Dict[str, str]) -> List[Pair]:
    out = []
    for i, c in enumerate(chunks):
        if "faq" in c.tags:
            q, _, a = c.text.partition(" 答：")
            out.append(Pair(q.removeprefix("问："), i, q))
            continue
        if c.article and not _PLACEHOLDER.match(c.article):
            out.append(Pair(f"{c.title[:20]} {c.article}", i))
        text = source_text.get(c.doc_id)
        if text and c.start > 0:  # a question just before this chunk, in the text
            for m in _QUESTION.finditer(text, max(0, c.start - 80), c.start + 1):
                out.append(Pair(m.group(), i))
        out += [Pair(m.group(), i, m.group()) for m in _QUESTION.finditer(c.text) if m.end() < len(c.text) - 20]
    return out


def make_pairs(chunks: Sequence[Chunk], sources: Sequence[Source], seed: int, max_pairs: int,
               title_rate: float = 0.5, per_name: int = 3, ask_rate: float = 0.0) -> List[Pair]:
    rng = random.Random(seed)
    by_id = {s.doc_id: s for s in sources}
    texts = {s.doc_id: s.text for s in sources if s.text}
    pairs = _ict(chunks, rng, title_rate, ask_rate) + _names(chunks, by_id, rng, per_name)
    pairs += 2 * _headings_and_questions(chunks, texts)
    rng.shuffle(pairs)
    return pairs[:max_pairs]
