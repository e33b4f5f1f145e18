"""The answer score: character-level ROUGE-L F1 and the fixed halves of a query set."""

from __future__ import annotations

import random
from pathlib import Path

import yaml

from evaluation.answers import lcs_length, rouge_l, select, split_of
from evaluation.data import Query


def lcs_by_table(a: str, b: str) -> int:
    row = [0] * (len(b) + 1)
    for ca in a:
        prev = 0
        for j, cb in enumerate(b, 1):
            prev, row[j] = row[j], prev + 1 if ca == cb else max(row[j], row[j - 1])
    return row[-1]


def test_the_bit_parallel_lcs_agrees_with_the_table() -> None:
    rng = random.Random(7)
    for _ in range(300):
        a = "".join(rng.choice("补贴万元7至9，。") for _ in range(rng.randint(0, 90)))
        b = "".join(rng.choice("补贴万元7至9，。") for _ in range(rng.randint(0, 90)))
        assert lcs_length(a, b) == lcs_by_table(a, b), (a, b)


def test_rouge_l_is_character_f1_without_whitespace() -> None:
    assert rouge_l("每人 1万元", "每人1万元") == 1.0
    assert rouge_l("", "每人1万元") == 0.0 and rouge_l("甲乙", "丙丁") == 0.0
    # the 5 characters of the gold answer in a 10-character answer: precision 1/2, recall 1, F1 2/3
    assert abs(rouge_l("补贴标准为每人1万元", "每人1万元") - 2 / 3) < 1e-9
    assert abs(rouge_l("每人1万元", "补贴标准为每人1万元") - 2 / 3) < 1e-9  # symmetric


def test_the_halves_are_fixed_disjoint_and_about_even() -> None:
    queries = [Query(f"q{n}", "问题", frozenset({"d"}), "答案") for n in range(400)]
    tune, held = select(queries, "tune"), select(queries, "held-out")
    assert {q.qid for q in tune}.isdisjoint({q.qid for q in held}) and len(tune) + len(held) == 400
    assert 160 < len(tune) < 240
    assert [split_of(q.qid) for q in queries[:20]] == [split_of(f"q{n}") for n in range(20)]
    assert select([Query("x", "问题", frozenset({"d"}))], "all") == []  # no answer: not scored


def test_the_run_reports_the_selectors_cpu_time_per_answer(tmp_path: Path) -> None:
    from evaluation.answers import evaluate
    from tests.knowledge.helpers import PLAIN, TINY

    cfg = tmp_path / "cfg.yml"
    cfg.write_text(yaml.safe_dump(TINY), encoding="utf-8")
    out = evaluate(PLAIN / "corpus.jsonl", PLAIN / "queries.jsonl", index_dir=tmp_path / "ix", config=cfg,
                   log=lambda _: None)
    # CPU time is measured, per answer, for the selector alone and for what the chat calls
    assert 0 < out["extract_cpu_ms_mean"] < 50 and 0 < out["shown_cpu_ms_mean"] < 50
    assert out["n_queries"] == len(out["rows"]) > 0
