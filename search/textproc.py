"""Text normalisation and the lexical tokens that BM25 indexes: jieba words plus character bigrams.

Words carry meaning ("高新技术企业"), bigrams survive segmentation mistakes and partial names ("高企").
The index and the search must use the same analyser, so its settings travel in the index manifest.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from functools import lru_cache
from pathlib import Path
from typing import Iterable, List, Optional

import jieba

from knowledge.simplified import to_simplified

jieba.setLogLevel(60)

_SPACE = re.compile(r"\s+")
_NOT_WORD = re.compile(r"[\W_]+")
# Question scaffolding and function words: frequent, carry no topic.
STOPWORDS = frozenset(
    ["的", "了", "是", "什么", "哪些", "如何", "怎么", "怎样", "有", "在", "和", "与", "及", "对", "为", "吗", "呢", "哪", "几", "个", "方面", "做", "进行", "要", "可以", "应", "应该", "应当", "啊", "吧", "呀", "么", "请问", "一下", "我", "我们", "你", "你们", "能", "能不能", "可不可以", "是不是", "有没有", "怎么样", "想", "问", "想问", "请", "您好", "你好"]
)


# Interrogative scaffolding: matching it in a passage says nothing about the topic. Removed from queries
# (not from passages) when the search setting `strip_question_words` is on.
QUESTION_WORDS = re.compile(
    "是什么|有哪些|有什么|做了什么|做了哪些|采取了哪些|采取什么|什么时候|哪些|什么|如何|怎么样|怎么办|怎么|怎样|"
    "是否|多少钱|多少|哪里|哪个|何时|能不能|可不可以|是不是|有没有|请问|吗|呢|啊|吧|呀"
)


def strip_question_words(text: str) -> str:
    return QUESTION_WORDS.sub(" ", text)


def normalise(text: str) -> str:
    """NFKC (full-width digits and letters to half-width), simplified characters, lower case, single spaces."""
    return _SPACE.sub(" ", to_simplified(unicodedata.normalize("NFKC", text))).strip().lower()


def char_bigrams(text: str) -> List[str]:
    """Overlapping character pairs inside each run of word characters (a lone character stands alone)."""
    out: List[str] = []
    for run in _NOT_WORD.split(text.replace(" ", "")):
        if len(run) == 1:
            out.append(run)
        out.extend(run[i : i + 2] for i in range(len(run) - 1))
    return out


class Analyzer:
    """jieba words (with an optional user dictionary) + character bigrams, stopwords dropped."""

    def __init__(self, user_dict: Optional[Path] = None, words: bool = True, bigrams: bool = True):
        self.user_dict = Path(user_dict) if user_dict else None
        self.use_words, self.use_bigrams = words, bigrams
        self._jieba: Optional[jieba.Tokenizer] = None
        self._lock = threading.Lock()

    @property
    def segmenter(self) -> jieba.Tokenizer:
        with self._lock:
            if self._jieba is None:
                tok = jieba.Tokenizer()
                tok.initialize()
                if self.user_dict is not None and self.user_dict.is_file():
                    tok.load_userdict(str(self.user_dict))
                self._jieba = tok
            return self._jieba

    def warm(self) -> Analyzer:
        """Load jieba's dictionary now rather than on the first question."""
        _ = self.segmenter
        return self

    def words(self, text: str) -> List[str]:
        """Content words of already normalised text."""
        return [w for w in self.segmenter.lcut(text) if w.strip() and not _NOT_WORD.fullmatch(w)
                and w not in STOPWORDS]

    def tokens(self, text: str) -> List[str]:
        text = normalise(text)
        out: List[str] = self.words(text) if self.use_words else []
        if self.use_bigrams:
            out.extend(char_bigrams(text))
        return out

    def query_tokens(self, text: str, strip_questions: bool = False) -> List[str]:
        """Tokens of a query; without its question scaffolding when asked (and when anything is left)."""
        if strip_questions:
            stripped = strip_question_words(normalise(text))
            if stripped.strip():
                return self.tokens(stripped)
        return self.tokens(text)

    def distinct_bigrams(self, text: str) -> List[str]:
        """The character bigrams of a query, each once (empty when the index has no bigrams)."""
        return sorted(set(char_bigrams(normalise(text)))) if self.use_bigrams else []

    def tokens_many(self, texts: Iterable[str]) -> List[List[str]]:
        return [self.tokens(t) for t in texts]


class BigramAnalyzer(Analyzer):
    """The plain character-bigram analyser, used as the same-run baseline."""

    def __init__(self) -> None:
        super().__init__(words=False, bigrams=True)


@lru_cache(maxsize=8)
def _shared(user_dict: Optional[str], stamp: int, words: bool, bigrams: bool) -> Analyzer:
    return Analyzer(Path(user_dict) if user_dict else None, words=words, bigrams=bigrams)


def shared_analyzer(user_dict: Optional[str], words: bool = True, bigrams: bool = True) -> Analyzer:
    """One analyser per (dictionary file version, settings) per process: jieba takes a second to start."""
    stamp = Path(user_dict).stat().st_mtime_ns if user_dict and Path(user_dict).is_file() else 0
    return _shared(user_dict, stamp, words, bigrams)
