import json

from evaluation.retrieval import main
from tests.knowledge.helpers import CORPUS, PLAIN

SMALL = "embedder: {dim: 16, epochs: 1, batch_size: 16, min_word_count: 1}\n"


def test_eval_on_a_jsonl_corpus_prints_every_figure(tmp_path, capsys):
    (tmp_path / "cfg.yml").write_text(SMALL, encoding="utf-8")
    assert main(["--corpus", str(PLAIN / "corpus.jsonl"), "--queries", str(PLAIN / "queries.jsonl"),
                 "--index-dir", str(tmp_path), "--json", "--config", str(tmp_path / "cfg.yml")]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert "baseline" in lines[1] and "hybrid" in lines[1]
    result = json.loads(lines[-1])
    assert result["n_queries"] == 6 and result["n_with_answer"] == 6
    for mode in ("baseline", "bm25", "dense", "hybrid"):
        for level in ("doc", "passage"):
            assert set(result["results"][mode][level]) == {"R@1", "R@5", "R@10", "MRR@10", "nDCG@10"}
        assert set(result["results"][mode]["answer"]) == {"R@1", "R@5", "R@10"}
        assert result["results"][mode]["latency_ms"]["p95"] >= result["results"][mode]["latency_ms"]["p50"] >= 0
    assert result["results"]["hybrid"]["doc"]["R@5"] == 1.0
    assert result["results"]["hybrid"]["passage"]["R@10"] == 1.0


def test_eval_on_the_knowledge_directory_with_relevant_ids(tmp_path, capsys):
    queries = tmp_path / "q.jsonl"
    queries.write_text('{"qid": "1", "query": "公积金租房提取要合同吗", "relevant_ids": ["CIT-101"]}\n'
                       '{"qid": "2", "query": "高企认定奖励的标准", "relevant_ids": ["ENT-101"], "answer": "再次认定奖励5万元"}\n',
                       encoding="utf-8")
    (tmp_path / "cfg.yml").write_text(SMALL, encoding="utf-8")
    assert main(["--corpus", str(CORPUS), "--queries", str(queries), "--index-dir", str(tmp_path / "ix"),
                 "--config", str(tmp_path / "cfg.yml"), "--modes", "bm25,hybrid", "--json"]) == 0
    result = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert result["results"]["hybrid"]["doc"]["R@1"] == 1.0 and result["n_with_answer"] == 1


def test_eval_reports_bad_input(tmp_path, capsys):
    bad = tmp_path / "q.jsonl"
    bad.write_text('{"qid": "1"}\n', encoding="utf-8")
    assert main(["--corpus", str(PLAIN / "corpus.jsonl"), "--queries", str(bad), "--index-dir", str(tmp_path)]) == 1
    assert "needs `query`" in capsys.readouterr().err


def test_eval_searches_as_the_assistant_does_with_everyday_words_expanded(tmp_path, capsys):
    """入深户 shares no word with 人才落户一件事; search/lexicon.yml adds 人才落户 and 入户, as the assistant does."""
    queries = tmp_path / "q.jsonl"
    queries.write_text('{"qid": "1", "query": "入深户怎么办", "relevant_ids": ["BUN-101"]}\n', encoding="utf-8")
    (tmp_path / "cfg.yml").write_text(SMALL, encoding="utf-8")
    figures = {}
    for flags in ([], ["--steps", "none"]):
        assert main(["--corpus", str(CORPUS), "--queries", str(queries), "--index-dir", str(tmp_path / "ix"),
                     "--config", str(tmp_path / "cfg.yml"), "--modes", "bm25,hybrid", "--json", *flags]) == 0
        result = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
        figures[",".join(result["steps"]) or "none"] = result["results"]["hybrid"]["doc"]["R@1"]
    assert figures == {"lexicon,homophones": 1.0, "none": 0.0}


def test_the_typo_set_swaps_one_character_for_a_same_sounding_one(tmp_path):
    from pypinyin import lazy_pinyin

    from evaluation.typo_set import typo_set

    queries = tmp_path / "q.jsonl"
    queries.write_text('{"qid": "1", "query": "公积金租房提取要合同吗", "relevant_ids": ["CIT-101"]}\n', encoding="utf-8")
    (tmp_path / "ix").mkdir()
    assert typo_set(queries, tmp_path / "typos.jsonl", CORPUS, seed=1, index_dir=tmp_path / "ix") == 1
    row = json.loads((tmp_path / "typos.jsonl").read_text(encoding="utf-8"))
    word, typo = row["typo"].split("->")
    assert word in "公积金租房提取要合同吗" and typo in row["query"] and word != typo and len(word) == len(typo)
    changed = [(a, b) for a, b in zip(word, typo) if a != b]
    assert len(changed) == 1 and lazy_pinyin(changed[0][0]) == lazy_pinyin(changed[0][1])
    assert row["relevant_ids"] == ["CIT-101"]


def test_an_unknown_step_is_named_not_ignored(tmp_path, capsys):
    assert main(["--corpus", str(CORPUS), "--queries", str(PLAIN / "queries.jsonl"), "--steps", "lexcion"]) == 2
    assert "unknown step(s) lexcion" in capsys.readouterr().err
