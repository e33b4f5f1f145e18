"""The search's defaults live in search.defaults: the index settings, the runtime's fallbacks and the
in-memory retriever all read them."""

from __future__ import annotations

from pathlib import Path

from index_builder.config import load_config
from search import defaults as D
from search.base import KnowledgeBase
from search.hybrid import HybridRetriever
from search.records import Chunk, DocMeta
from search.retriever import InMemoryRetriever


def test_an_index_is_built_with_the_defaults_and_config_may_override_them(tmp_path: Path) -> None:
    assert load_config().search == D.search_settings()
    override = tmp_path / "c.yml"
    override.write_text("search: {faq_threshold: 0.8, weights: {dense: 0.0}}\n", encoding="utf-8")
    search = load_config(override).search
    assert search["faq_threshold"] == 0.8 and search["weights"] == {**D.WEIGHTS, "dense": 0.0}
    assert search["min_dense"] == D.MIN_DENSE
    settings = D.search_settings()
    settings["weights"]["bm25"] = 9.0  # a copy: the defaults stay
    assert D.WEIGHTS["bm25"] == 1.0


def test_the_runtime_reads_the_manifest_it_was_built_with(kb: KnowledgeBase) -> None:
    assert kb.index.settings == D.search_settings() and kb.threshold == D.FAQ_THRESHOLD
    assert HybridRetriever(kb.index).weights == D.WEIGHTS
    assert HybridRetriever(kb.index, {"weights": {"bm25": 1.0}}).weights == {"bm25": 1.0}


def test_the_in_memory_retriever_fuses_with_the_same_weights_without_the_document_prior() -> None:
    retriever = InMemoryRetriever([Chunk("D1#0", "D1", "通知", "", "", "企业补贴")], [DocMeta("D1", "通知")])
    assert retriever.weights == {name: w for name, w in D.WEIGHTS.items() if name != "doc"}
