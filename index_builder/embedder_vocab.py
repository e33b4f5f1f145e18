"""The embedding model's tokenizer, built from the corpus: longest-match over corpus words, then characters.

A `tokenizers` WordPiece model with an empty continuation prefix does greedy longest-prefix matching
inside each run of text, which is forward maximum matching, the classic Chinese segmenter. The
vocabulary is every character of the corpus plus the jieba words seen at least `min_count` times, so the
tokenizer needs no external data and loads with any sentence-transformers install.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from typing import Iterable, List, Set

from tokenizers import Tokenizer, models, normalizers, pre_tokenizers

UNK = "[UNK]"
_SPACE = re.compile(r"\s")


def vocabulary(word_lists: Iterable[List[str]], texts: Iterable[str], min_count: int = 2) -> List[str]:
    counts: Counter = Counter()
    for words in word_lists:
        counts.update(words)
    seen: Set[str] = set()
    for text in texts:
        seen.update(unicodedata.normalize("NFKC", text).lower())
    chars = {c for c in seen if not _SPACE.match(c)}
    kept = {w for w, c in counts.items() if c >= min_count and len(w) > 1 and not _SPACE.search(w)}
    return [UNK] + sorted(chars) + sorted(kept - chars)


def build_tokenizer(vocab: List[str]) -> Tokenizer:
    model = models.WordPiece({w: i for i, w in enumerate(vocab)}, unk_token=UNK, continuing_subword_prefix="",
                             max_input_chars_per_word=1_000_000)
    tok = Tokenizer(model)
    tok.normalizer = normalizers.Sequence([normalizers.NFKC(), normalizers.Lowercase()])
    tok.pre_tokenizer = pre_tokenizers.Sequence([pre_tokenizers.Whitespace(),
                                                 pre_tokenizers.Digits(individual_digits=False)])
    return tok
