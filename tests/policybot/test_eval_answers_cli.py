"""`policybot eval answers`: ROUGE-L of the displayed answer, given the passage and end to end."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from policybot.cli import main
from tests.knowledge.helpers import PLAIN

SMALL = "embedder: {dim: 16, epochs: 1, batch_size: 16, min_word_count: 1}\n"


def run(tmp_path: Path, *extra: str) -> int:
    (tmp_path / "cfg.yml").write_text(SMALL, encoding="utf-8")
    return main(["eval", "answers", "--corpus", str(PLAIN / "corpus.jsonl"), "--queries", str(PLAIN / "queries.jsonl"),
                 "--index-dir", str(tmp_path / "ix"), "--config", str(tmp_path / "cfg.yml"), *extra])


def test_the_last_line_is_one_json_object_with_the_headline_figures(tmp_path: Path,
                                                                     capsys: pytest.CaptureFixture[str]) -> None:
    assert run(tmp_path, "--json") == 0
    lines = capsys.readouterr().out.strip().splitlines()
    result = json.loads(lines[-1])
    assert {"rouge_l_given_passage", "rouge_l_end_to_end", "median_chars"} <= set(result)
    assert result["n_queries"] == 6 and result["split"] == "all"
    before = result["whole_passage"]
    # the fixture's documents are short: a concise answer is shorter than the whole passage and no worse
    assert result["median_chars"] < before["median_chars"]
    assert result["rouge_l_given_passage"] > before["rouge_l_given_passage"]
    assert 0 < result["rouge_l_end_to_end"] <= 1 and result["extract_ms"]["p95"] < 50
    assert "given the passage" in "\n".join(lines[:-1])


def test_a_split_scores_only_its_half(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(tmp_path, "--split", "held-out", "--json") == 0
    held = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert run(tmp_path, "--split", "tune", "--json") == 0
    tune = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert held["n_queries"] + tune["n_queries"] == 6


def test_bad_queries_are_reported(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "q.jsonl"
    bad.write_text('{"qid": "1", "query": "电费", "docid": "d1"}\n', encoding="utf-8")  # no answer to score
    (tmp_path / "cfg.yml").write_text(SMALL, encoding="utf-8")
    assert main(["eval", "answers", "--corpus", str(PLAIN / "corpus.jsonl"), "--queries", str(bad),
                 "--index-dir", str(tmp_path / "ix"), "--config", str(tmp_path / "cfg.yml")]) == 1
    assert "no queries with an answer" in capsys.readouterr().err
