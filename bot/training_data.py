"""Rasa training data generated from the corpus: policy synonyms (name -> document id) and lookups.

The corpus is the one source of truth for policy names; the NLU data refers to policies through the
`policy` entity, resolved to document ids by these synonyms.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Set

import yaml

from bot.patterns import CODES, DISTRICTS
from knowledge.corpus import load_corpus
from knowledge.schema import Document, Leaf

QUALIFICATION_FIELDS = {"qualifications", "recognition_events"}


def _leaves(nodes: Iterable) -> Iterable[Leaf]:
    for node in nodes:
        if isinstance(node, Leaf):
            yield node
            if node.applies_if is not None:
                yield node.applies_if
        else:
            yield from _leaves(getattr(node, "any", None) or getattr(node, "all", None) or [])


def _bare(title: str) -> str:
    """The title without its bracketed document name: 龙华区总部企业认定及落户奖励（《…》） -> 龙华区总部企业认定及落户奖励."""
    return re.sub(r"[（(].*?[）)]", "", title).strip()


def policy_names(doc: Document) -> List[str]:
    names = [doc.title, _bare(doc.title), *(doc.aliases or [])]
    if doc.short_title:
        names.append(doc.short_title)
    seen: List[str] = []
    for name in names:
        name = name.strip()
        if 2 <= len(name) <= 40 and name not in seen:
            seen.append(name)
    return seen


def qualification_names(docs: Iterable[Document]) -> List[str]:
    found: Set[str] = set()
    for doc in docs:
        for leaf in _leaves(doc.conditions):
            if leaf.field in QUALIFICATION_FIELDS:
                values = leaf.value if isinstance(leaf.value, list) else [leaf.value]
                found.update(str(v) for v in values if isinstance(v, str) and 2 <= len(v) <= 20)
    return sorted(found)


ANNOTATED = re.compile(r'\[([^\]]+)\]\{"entity":\s*"policy",\s*"value":\s*"([A-Z]{3}-\d{3})"')


def annotated_names(nlu_dir: Path) -> Dict[str, str]:
    """Policy names the training data itself maps to a document id ([展位费补贴]{"entity": "policy", "value": …})."""
    found: Dict[str, str] = {}
    for path in sorted(Path(nlu_dir).rglob("*.yml")):
        for name, doc_id in ANNOTATED.findall(path.read_text(encoding="utf-8")):
            found[name] = doc_id
    return found


def build(docs: Dict[str, Document], annotated: Optional[Dict[str, str]] = None) -> dict:
    # A name shared by two documents (e.g. 初创企业补贴 at city and district level) is ambiguous:
    # it stays a policy mention but is not mapped to either id. A name the training data annotates
    # itself is left to that annotation, so the two never disagree.
    annotated = annotated or {}
    owners: Dict[str, Set[str]] = {}
    for doc in docs.values():
        for name in policy_names(doc):
            owners.setdefault(name, set()).add(doc.id)
    synonyms = []
    for doc_id in sorted(docs):
        names = [n for n in policy_names(docs[doc_id]) if owners[n] == {doc_id} and n not in annotated]
        if names:
            synonyms.append({"synonym": doc_id, "examples": "".join(f"- {n}\n" for n in names)})
    return {
        "version": "3.1",
        "nlu": [
            *synonyms,
            {"lookup": "district", "examples": "".join(f"- {d}\n" for d in DISTRICTS)},
            {"lookup": "qualification", "examples": "".join(f"- {q}\n" for q in qualification_names(docs.values()))},
            # codes have a fixed shape: the regex extractor takes them (and the featurizer sees them)
            *({"regex": name, "examples": f"- {pattern}\n"} for name, pattern in CODES.items()),
        ],
    }


def write(corpus_dir: Path, out_dir: Path, nlu_dir: Optional[Path] = None) -> Path:
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / "corpus_names.yml"
    annotated = annotated_names(nlu_dir) if nlu_dir else {}
    text = yaml.safe_dump(build(load_corpus(corpus_dir), annotated), allow_unicode=True, sort_keys=False, width=1000)
    if not path.exists() or path.read_text(encoding="utf-8") != text:
        path.write_text(text, encoding="utf-8")
    return path
