"""Traditional Chinese characters to simplified (OpenCC's hk2s tables), keeping every character offset.

Citizens from Hong Kong, Macao and Taiwan, and some reposted notices, write 專精特新 for 专精特新. The
corpus, jieba's dictionary and the NLU training data are simplified, so whatever is matched against them
(search queries and passages, policy names in a message, the tokens Rasa featurises) is converted first.
OpenCC's phrase table may change a text's length in rare cases; the text is then converted character by
character, so a span found in the converted text is the same span of the original.

hk2s rather than t2s: it also folds Hong Kong variants (衞生署, 綫上) and is otherwise the same. On the
whole corpus and the ncp_policies texts both change only 後 and 雲; tw2s would also turn 著 into 着.
"""

from __future__ import annotations

import threading
from functools import lru_cache
from typing import Any

_lock = threading.Lock()


@lru_cache(maxsize=1)
def _converter() -> Any:
    import opencc

    return opencc.OpenCC("hk2s.json")


def to_simplified(text: str) -> str:
    """`text` in simplified characters, of the same length; ASCII and simplified text come back unchanged."""
    if not text or text.isascii():
        return text
    with _lock:
        conv = _converter()
        out = conv.convert(text)
        if len(out) == len(text):
            return str(out)
        return "".join(c if len(c := conv.convert(ch)) == 1 else ch for ch in text)
