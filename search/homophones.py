"""Typing slips by sound: a word typed with the wrong character of the same pinyin (局住证 for 居住证, 公基金 for 公积金).

Chinese is typed by pinyin, so the commonest slip is a homophone picked from the input method's list. A stretch of
the question that the corpus never contains, but that sounds exactly like a word the corpus does contain and differs
from it in one character (two in a word of four or more), is taken for that word: the word is added to the search
query, as the lexicon adds official terms (the question itself is kept). Tones are ignored (input methods ignore
them too); a typed character is heard in each of its readings (还: huan or hai), a corpus word in its reading as a
word. The words are the corpus's own index vocabulary: a name or term of two to eight characters; a two-character
word must also be a word of the index's jieba dictionary, so that the character pairs the index keeps across word
boundaries never serve as corrections.
"""

from __future__ import annotations

import itertools
import re
from typing import Callable, Dict, Iterable, List, Set, Tuple

from pypinyin import Style, lazy_pinyin, pinyin

from search.textproc import normalise

_HAN_WORD = re.compile(r"^[\u4e00-\u9fff]{2,8}$")
_HAN_RUN = re.compile(r"[\u4e00-\u9fff]{2,}")
SHORTEST, LONGEST = 2, 8
READINGS_TRIED = 16  # a stretch of characters with several readings each is tried in at most this many readings


def _allowed_changes(length: int) -> int:
    return 1 if length <= 3 else 2


class Homophones:
    """The corpus's words by their pinyin, and the corrections a question's unknown stretches sound like.

    `vocabulary` holds the corpus's words and every pair of adjacent characters in it (the lexical index's
    vocabulary does); `is_word` tells a dictionary word; `corpus_text` is every passage's text (normalised), so that
    a stretch the corpus contains is never taken for a slip; `segment` cuts a question into words (jieba)."""

    def __init__(self, vocabulary: Iterable[str], is_word: Callable[[str], bool], corpus_text: str,
                 segment: Callable[[str], List[str]]):
        self.is_word, self.corpus_text, self.segment = is_word, corpus_text, segment
        self.known: Set[str] = set(vocabulary)
        self.by_sound: Dict[Tuple[str, ...], List[str]] = {}
        for word in sorted(w for w in self.known if _HAN_WORD.match(w)):
            if len(word) == 2 and not is_word(word):
                continue
            self.by_sound.setdefault(tuple(lazy_pinyin(word)), []).append(word)

    def _in_corpus(self, typed: str) -> bool:
        # every character pair of the corpus is in its vocabulary: a stretch with an unknown pair is not in the corpus,
        # which spares most searches through the whole text
        pairs_known = all(typed[i:i + 2] in self.known for i in range(len(typed) - 1))
        return pairs_known and typed in self.corpus_text

    def _slip(self, typed: str, word: str, alone: Set[int], start: int) -> bool:
        """Whether `typed` (which sounds like `word`) is a slip for it."""
        changed = sum(a != b for a, b in zip(typed, word))
        if not 0 < changed <= _allowed_changes(len(typed)):
            return False
        if self.is_word(typed) or self._in_corpus(typed):  # a word of its own, or the corpus's own wording
            return False
        # two characters are a slip only where the question's words leave both standing alone (能秒皮吗: 秒 | 皮),
        # never across a word (一共能补: 共能 cuts 一共)
        return len(typed) > 2 or (start in alone and start + 1 in alone)

    def corrections(self, question: str) -> List[str]:
        """Corpus words the question seems to have mistyped, in the order they occur, each once."""
        found: List[str] = []
        for run in _HAN_RUN.findall(normalise(question)):
            readings = pinyin(run, style=Style.NORMAL, heteronym=True, errors="ignore")
            if len(readings) != len(run):  # a character pypinyin cannot read: leave the run alone
                continue
            alone: Set[int] = set()
            at = 0
            for piece in self.segment(run):
                if len(piece) == 1:
                    alone.add(at)
                at += len(piece)
            for start in range(len(run)):
                for length in range(SHORTEST, min(LONGEST, len(run) - start) + 1):
                    typed = run[start:start + length]
                    if typed in self.known:
                        continue
                    for sound in itertools.islice(itertools.product(*readings[start:start + length]), READINGS_TRIED):
                        for word in self.by_sound.get(sound, ()):
                            if word not in found and self._slip(typed, word, alone, start):
                                found.append(word)
        return found
