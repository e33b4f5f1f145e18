import numpy as np

from index_builder.chunker import chunk_source
from index_builder.sources import load_sources
from search.hybrid import HybridRetriever
from search.index import load_index
from search.retriever import InMemoryRetriever, Retriever
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


def test_coverage_prefers_the_passage_that_speaks_to_the_whole_question():
    """BM25 alone favours the introduction repeating the issuer's rare name; with coverage the passage that
    holds most of the question (issuer, 线下业务, 联系电话) wins."""
    from search.records import Chunk, DocMeta
    from search.retriever import InMemoryRetriever

    def chunk(n: int, text: str) -> Chunk:
        return Chunk(chunk_id=f"D1#{n}", doc_id="D1", title="通知", heading="", article=f"第{n + 1}段", text=text)

    doc = DocMeta(doc_id="D1", title="通知")
    chunks = [chunk(0, "滨海新区中心支局坚决贯彻部署，滨海新区中心支局全力支持企业，滨海新区中心支局加强服务。"),
              chunk(1, "线下业务抓紧办，可事先与新区中心支局联系，联系电话：66239199。")]
    chunks += [chunk(n + 2, t) for n, t in enumerate(["各网点线下业务照常。", "咨询请拨联系电话。", "线下业务暂停一周。",
                                                        "联系电话另行公布。", "复工企业名单已公布。"])]
    query = "滨海新区中心支局线下业务联系电话"
    plain = InMemoryRetriever(chunks, [doc], weights={"bm25": 1.0, "coverage": 0.0})
    assert plain.search(query, 1)[0].chunk_id == "D1#0"
    assert InMemoryRetriever(chunks, [doc]).search(query, 1)[0].chunk_id == "D1#1"
