"""A synthetic plain-text corpus of a given number of passages, for the index benchmarks.

Documents are made of the project's own corpus sentences (articles, summaries, FAQ answers),
recombined at random under 一、/二、… headings, with their numbers and districts varied so that the
vocabulary is not a handful of repeated strings. Each section is one passage of about 300 characters.
Seeded: the same arguments give the same corpus.
"""

from __future__ import annotations

import json
import random
import re
import sys
from pathlib import Path
from typing import Iterator, List

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from index_builder.text_splitter import SENTENCE  # noqa: E402
from knowledge.corpus import load_corpus  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
NUMERALS = "一二三四五六七八九十"
DISTRICTS = ["龙华区", "龙岗区", "南山区", "福田区", "宝安区", "罗湖区", "光明区", "坪山区", "盐田区", "大鹏新区"]
_DISTRICT = re.compile("|".join(DISTRICTS))


def sentence_pool(corpus: Path = ROOT / "knowledge" / "corpus") -> List[str]:
    pool = []
    for doc in load_corpus(corpus).values():
        for text in [doc.summary, doc.benefit.text, *(a.text for a in doc.articles), *(f.a for f in doc.faq)]:
            pool += [s.strip() for s in SENTENCE.findall(text) if len(s.strip()) >= 12]
    return sorted(set(pool))


def vary(sentence: str, rng: random.Random) -> str:
    sentence = re.sub(r"\d+", lambda m: str(rng.randint(1, 10 ** len(m.group()))), sentence)
    return _DISTRICT.sub(lambda m: rng.choice(DISTRICTS), sentence)


def documents(n_passages: int, seed: int = 7, sections: int = 4) -> Iterator[dict]:
    rng = random.Random(seed)
    pool = sentence_pool()
    for d in range((n_passages + sections - 1) // sections):
        title = f"{rng.choice(DISTRICTS)}关于{vary(rng.choice(pool)[:12], rng)}的通知（第{d + 1}号）"
        parts = [title]
        for s in range(sections):
            body = ""
            while len(body) < 240:
                body += vary(rng.choice(pool), rng)
            parts.append(f"{NUMERALS[s]}、{vary(rng.choice(pool)[:10], rng)} {body[:330]}")
        yield {"docid": f"syn-{d:06d}", "text": " ".join(parts)}


def write_corpus(path: Path, n_passages: int, seed: int = 7) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as f:
        for doc in documents(n_passages, seed):
            f.write(json.dumps(doc, ensure_ascii=False) + "\n")
    return path
