"""The knowledge search, loaded from the index built by index_builder: once per process, and again after a
rebuild (``load_knowledge_base`` keys its cache on the index manifest's modification time)."""

from __future__ import annotations

from typing import Optional

from actions.metrics import retrieval
from actions.settings import get_settings
from search.base import KnowledgeBase, load_knowledge_base
from search.types import Answer


def knowledge_base() -> KnowledgeBase:
    return load_knowledge_base(get_settings().index_dir)


def ask(question: str, context_doc_id: Optional[str] = None, filters: Optional[dict] = None) -> Answer:
    with retrieval(filters) as timed:  # the action server's retrieval metrics
        timed["answer"] = knowledge_base().ask(question, context_doc_id=context_doc_id, filters=filters)
    return timed["answer"]


def title_of(doc_id: Optional[str]) -> Optional[str]:
    """A document's title (for people: a handoff's summary names the matter, not its id)."""
    index = knowledge_base().index
    row = index.doc_row.get(doc_id or "")
    return index.docs[row].title if row is not None else None
