"""What is searched for a question: one home for the steps between what a person typed and the retriever.

The question as typed, then the official terms of its everyday words (search/lexicon.py: 开公司 → 企业开办), then
the corpus words it seems to have mistyped by sound (search/homophones.py: 局住证 → 居住证). The knowledge base and
the retrieval evaluation both search through here, so the figures measure what people get.
"""

from __future__ import annotations

from typing import Optional

from search.defaults import HOMOPHONE_CHARS
from search.homophones import Homophones
from search.index import LoadedIndex
from search.lexicon import expand
from search.textproc import normalise

STEPS = ("lexicon", "homophones")


def homophones_of(index: LoadedIndex) -> Homophones:
    """The index's words by sound, with the index's own jieba dictionary and passages."""
    segmenter = index.analyzer.segmenter
    text = "\n".join(normalise(chunk.text) for chunk in index.chunks)
    return Homophones(index.lexical_docs.vocab, lambda word: bool(segmenter.FREQ.get(word)), text, segmenter.lcut)


def searched(question: str, homophones: Optional[Homophones], lexicon: bool = True) -> str:
    """The text the retriever gets for `question` (each step can be left out, for the evaluation's ablations)."""
    query = expand(question) if lexicon else question
    fixes = homophones.corrections(question[:HOMOPHONE_CHARS]) if homophones else []
    fixes = [word for word in fixes if word not in query]
    return f"{query} {' '.join(fixes)}" if fixes else query
