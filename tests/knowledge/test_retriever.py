import numpy as np

from index_builder.chunker import chunk_source
from index_builder.sources import load_sources
from knowledge.hybrid import HybridRetriever
from knowledge.index import load_index
from knowledge.retriever import InMemoryRetriever, Retriever
from tests.knowledge.helpers import CORPUS

SOURCES = load_sources(CORPUS)
CHUNKS = [c for s in SOURCES for c in chunk_source(s, {})]
DOCS = [s.meta for s in SOURCES]


def test_in_memory_retriever_ranks_and_filters():
    retriever: Retriever = InMemoryRetriever(CHUNKS, DOCS)
    hits = retriever.search("公积金租房提取要租房合同吗", k=3)
    assert hits[0].doc_id == "CIT-101" and hits[0].citation.issuer == "深圳市住房公积金管理中心"
    assert all(h.doc_id.startswith("ENT") for h in retriever.search("奖励", k=5, filters={"audience": "enterprise"}))
    assert retriever.search("奖励", filters={"category": "无此类"}) == []


def test_in_memory_dense_part_uses_the_given_encoder():
    def embed(texts):
        out = np.array([[t.count("公积金") + 0.1, t.count("奖励") + 0.1] for t in texts], dtype=np.float32)
        return out / np.linalg.norm(out, axis=1, keepdims=True)

    hits = InMemoryRetriever(CHUNKS, DOCS, embed=embed, weights={"dense": 1.0}).search("公积金", k=2)
    assert {h.doc_id for h in hits} == {"CIT-101"}


def test_hybrid_modes_agree_with_their_parts(fixture_index):
    index = load_index(fixture_index)
    retriever = HybridRetriever(index)
    query = "高企认定奖励怎么申领"
    lexical = retriever.search_ex(query, 5, mode="bm25")
    scores = index.lexical_chunks.scores(index.analyzer.tokens(query))
    docs = index.lexical_docs.scores(index.analyzer.tokens(query))[index.chunk_doc]
    brute = scores / scores.max() + 0.5 * docs / docs.max()
    assert [h.chunk_id for h in lexical] == [index.chunks[i].chunk_id for i in np.argsort(-brute, kind="stable")[:5]]
    dense = retriever.search_ex(query, 5, mode="dense")
    vectors = np.load(fixture_index / "embeddings.npy")
    sims = vectors @ index.embedder.encode([query])[0]
    assert [h.chunk_id for h in dense] == [index.chunks[i].chunk_id for i in np.argsort(-sims, kind="stable")[:5]]
    assert retriever.search(query, 3)[0].doc_id == "ENT-101"
