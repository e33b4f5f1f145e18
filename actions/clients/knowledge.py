"""The knowledge search, loaded once per process from the index built by index_builder."""

from __future__ import annotations

from functools import lru_cache
from typing import Optional

from actions.settings import get_settings
from knowledge.base import KnowledgeBase, load_knowledge_base
from knowledge.types import Answer


@lru_cache(maxsize=1)
def knowledge_base() -> KnowledgeBase:
    return load_knowledge_base(get_settings().index_dir)


def ask(question: str, context_doc_id: Optional[str] = None, filters: Optional[dict] = None) -> Answer:
    return knowledge_base().ask(question, context_doc_id=context_doc_id, filters=filters)
