import math

import pytest

from evaluation.data import Query, load_queries, relevant_passages
from evaluation.metrics import mrr_at, ndcg_at, percentile, query_metrics, recall_at, unique
from search.records import Chunk


def test_rank_metrics():
    ranked = ["a", "b", "c", "d"]
    assert recall_at(ranked, {"c"}, 1) == 0 and recall_at(ranked, {"c"}, 5) == 1
    assert mrr_at(ranked, {"c"}) == pytest.approx(1 / 3)
    assert ndcg_at(ranked, {"c"}) == pytest.approx(1 / math.log2(4))
    assert ndcg_at(ranked, {"a", "b"}) == pytest.approx(1.0)
    assert query_metrics(ranked, {"z"}) == {"R@1": 0, "R@5": 0, "R@10": 0, "MRR@10": 0, "nDCG@10": 0}
    assert unique(["x", "y", "x", "z"]) == ["x", "y", "z"]
    assert percentile([5, 1, 3, 2, 4], 50) == 3 and percentile(list(range(1, 101)), 95) == 95


def test_relevant_passage_is_the_chunk_holding_the_answer():
    text = "标题 第一段内容。第二段有答案在这里。第三段。"
    chunks = [Chunk("d#0", "d", "标题", "", "", text[3:9], 3, 9), Chunk("d#1", "d", "标题", "", "", text[9:18], 9, 18),
              Chunk("d#2", "d", "标题", "", "", text[18:], 18, len(text))]
    by_doc = {"d": chunks}
    assert relevant_passages(Query("q", "?", frozenset({"d"}), "答案在这里"), by_doc, {"d": text}) == {"d#1"}
    # straddling two chunks: the one with the larger share
    assert relevant_passages(Query("q", "?", frozenset({"d"}), "内容。第二段有答"), by_doc, {"d": text}) == {"d#1"}
    # no spans (YAML chunks): containment, else the most shared bigrams
    plain = {"d": [Chunk("d#0", "d", "t", "", "", "申请材料：身份证。"), Chunk("d#1", "d", "t", "", "", "补贴10万元。")]}
    assert relevant_passages(Query("q", "?", frozenset({"d"}), "补贴10万元"), plain, {}) == {"d#1"}
    assert relevant_passages(Query("q", "?", frozenset({"d"}), "要带身份证"), plain, {}) == {"d#0"}


def test_load_queries_accepts_docid_or_relevant_ids(tmp_path):
    path = tmp_path / "q.jsonl"
    path.write_text('{"qid": "1", "query": "a", "docid": "x", "answer": " s "}\n'
                    '{"qid": "2", "query": "b", "relevant_ids": ["y", "z"]}\n', encoding="utf-8")
    one, two = load_queries(path)
    assert one.relevant == {"x"} and one.answer == "s"
    assert two.relevant == {"y", "z"} and two.answer is None
    path.write_text('{"qid": "3", "query": "c"}\n', encoding="utf-8")
    with pytest.raises(ValueError):
        load_queries(path)
