"""The jieba user dictionary generated from the corpus, shared by the search index and Rasa's JiebaTokenizer.

It lists the names people use for the corpus's items (titles, short titles, aliases, issuers, regions,
policy file titles) and the qualification / district / category values that conditions test, one
``word freq`` line each, so that jieba keeps them whole.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Iterable, List, Set

from knowledge.corpus import load_corpus
from knowledge.schema import AllOf, AnyOf, Document, Leaf

FILE_NAME = "user_dict.txt"
FREQ = 20000
_CJK = re.compile(r"[\u4e00-\u9fff]")
_BRACKETS = re.compile(r"[《》〈〉“”\"']")


def _leaf_values(nodes: Iterable[object]) -> Iterable[str]:
    for node in nodes:
        if isinstance(node, Leaf):
            values = node.value if isinstance(node.value, list) else [node.value]
            yield from (v for v in values if isinstance(v, str))
            if node.applies_if is not None:
                yield from _leaf_values([node.applies_if])
        elif isinstance(node, (AnyOf, AllOf)):
            yield from _leaf_values(node.any if isinstance(node, AnyOf) else node.all)


def document_terms(doc: Document) -> Set[str]:
    terms = {doc.title, doc.short_title or "", *doc.aliases, doc.issuer, doc.region, doc.category}
    if doc.policy_file is not None:
        terms.add(_BRACKETS.sub("", doc.policy_file.title))
    terms.update(_leaf_values(doc.conditions))
    return terms


# Aliases written as questions or actions (开公司要办什么, 办居住证, 申请公租房) are phrases, not names:
# kept whole they hide their words from search and swallow entity boundaries in Rasa's tokenizer.
_PHRASE = re.compile(r"什么|哪些|怎么|如何|多少|要办|流程|清单|^(办理?|申请|申领|领取?|交|缴|提取|查询?|开)")


def clean_terms(terms: Iterable[str]) -> List[str]:
    """Terms worth a dictionary line: 2-30 characters, some Chinese, no white space, a name not a phrase."""
    out = set()
    for term in terms:
        term = (term or "").strip()
        if 2 <= len(term) <= 30 and _CJK.search(term) and not re.search(r"\s", term) and not _PHRASE.search(term):
            out.add(term)
    return sorted(out)


def render(terms: Iterable[str], freq: int = FREQ) -> str:
    return "".join(f"{t} {freq}\n" for t in clean_terms(terms))


def write_terms(terms: Iterable[str], out_dir: Path) -> Path:
    """Write the dictionary into out_dir (only when its content changes) and return the file."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / FILE_NAME
    text = render(terms)
    if not path.is_file() or path.read_text(encoding="utf-8") != text:
        path.write_text(text, encoding="utf-8")
    return path


def write_user_dict(corpus_dir: Path, out_dir: Path) -> Path:
    """Generate the user dictionary of the corpus in corpus_dir (validated) into out_dir; returns the file."""
    terms: Set[str] = set()
    for doc in load_corpus(Path(corpus_dir)).values():
        terms |= document_terms(doc)
    return write_terms(terms, out_dir)
