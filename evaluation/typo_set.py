"""A synthetic typo set: each question with one character of one corpus word swapped for a same-sounding one.

    python -m evaluation.typo_set --queries eval/questions.jsonl --out var/eval/typo_dev.jsonl [--seed 13]

Chinese is typed by pinyin, so the commonest slip is a homophone from the input method's list. For every question,
one corpus word it contains (a word `search/homophones.py` can correct to) gets one character replaced by another
character of the same reading that occurs at least three times in the corpus. The set is a dev set for the homophone
step (it is made from eval/questions.jsonl); `policybot eval retrieval --queries <out> --steps lexicon` against the
default steps shows what the step buys.
"""

from __future__ import annotations

import argparse
import json
import random
from collections import defaultdict
from pathlib import Path
from typing import Dict, List, Optional

from pypinyin import lazy_pinyin

from evaluation.retrieval import eval_index


def typo_set(queries: Path, out: Path, corpus: Path, seed: int = 13, index_dir: Optional[Path] = None) -> int:
    from search.query import homophones_of

    _, index = eval_index(corpus, index_dir, log=lambda _: None)
    words = sorted({w for ws in homophones_of(index).by_sound.values() for w in ws}, key=lambda w: (-len(w), w))
    counts: Dict[str, int] = defaultdict(int)
    for chunk in index.chunks:
        for ch in chunk.text:
            if "\u4e00" <= ch <= "\u9fff":
                counts[ch] += 1
    by_sound: Dict[str, List[str]] = defaultdict(list)
    for ch in sorted(counts):
        if counts[ch] >= 3:
            by_sound[lazy_pinyin(ch)[0]].append(ch)
    rng = random.Random(seed)
    written = 0
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", encoding="utf-8") as f:
        for line in queries.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            q = json.loads(line)
            found = [w for w in words if w in q["query"]]
            rng.shuffle(found)
            for word in found:
                at = rng.randrange(len(word))
                others = [c for c in by_sound[lazy_pinyin(word[at])[0]] if c != word[at]]
                if others:
                    typo = word[:at] + rng.choice(others) + word[at + 1:]
                    q.update(query=q["query"].replace(word, typo, 1), typo=f"{word}->{typo}")
                    f.write(json.dumps(q, ensure_ascii=False) + "\n")
                    written += 1
                    break
    return written


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m evaluation.typo_set")
    parser.add_argument("--queries", type=Path, default=Path("eval/questions.jsonl"))
    parser.add_argument("--corpus", type=Path, default=Path("knowledge/corpus"))
    parser.add_argument("--out", type=Path, default=Path("var/eval/typo_dev.jsonl"))
    parser.add_argument("--seed", type=int, default=13)
    args = parser.parse_args(argv)
    print(f"{typo_set(args.queries, args.out, args.corpus, args.seed)} questions written to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
