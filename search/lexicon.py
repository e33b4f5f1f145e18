"""Everyday words to the official terms of the corpus (search/lexicon.yml), for query expansion."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Dict

import yaml

from search.textproc import normalise

LEXICON = Path(__file__).with_name("lexicon.yml")


@lru_cache(maxsize=4)
def load(path: Path = LEXICON) -> Dict[str, str]:
    data = yaml.safe_load(path.read_text(encoding="utf-8")) if path.is_file() else {}
    return {normalise(str(k)): str(v) for k, v in (data or {}).items()}


def expand(query: str, lexicon: Dict[str, str] | None = None) -> str:
    """The query with the official terms of the everyday words it contains appended (longest first). Words are
    found in the normalised question (simplified characters, half-width, lower case), so 公積金 finds 公积金."""
    lexicon = load() if lexicon is None else lexicon
    added = []
    seen = normalise(query)
    rest = seen
    for word in sorted(lexicon, key=len, reverse=True):
        if word in rest:
            rest = rest.replace(word, " ")
            for term in lexicon[word].split():
                if term not in seen and term not in added:
                    added.append(term)
    return f"{query} {' '.join(added)}" if added else query
