"""bench/load's figures: nearest-rank percentiles, errors by kind, turns per second, the side-by-side table."""

from __future__ import annotations

from bench.load.stats import Turn, by_minute, percentile, summarize, table


def test_percentile_is_the_nearest_rank() -> None:
    values = [float(v) for v in range(1, 101)]
    assert percentile(values, 50) == 50 and percentile(values, 95) == 95 and percentile(values, 99) == 99
    assert percentile([3.0, 1.0, 2.0], 50) == 2.0 and percentile([7.0], 99) == 7.0
    assert percentile([], 95) is None
    assert percentile([1.0, 1000.0], 95) == 1000.0  # a small sample does not hide its slowest turn


def test_summarize_counts_every_sent_turn_and_every_error() -> None:
    turns = [Turn("question", "a", 0.5, 100.0), Turn("question", "a", 1.0, 300.0),
             Turn("question", "a", 2.0, 30000.0, "timeout", "no answer"),
             Turn("rating", "a", 3.0, 50.0, "apology", "抱歉"),
             Turn("apply", "b", 4.0, None, "no_button", "not offered")]
    s = summarize(turns, window_s=10.0)
    assert s["turns"] == 4 and s["turns_per_s"] == 0.4  # the step that sent nothing is not a turn
    assert s["errors"] == 3 and s["errors_by_kind"] == {"timeout": 1, "apology": 1, "no_button": 1}
    assert s["by_type"]["question"]["p95_ms"] == 30000.0  # the time-out counts in the latency
    assert s["by_type"]["question"]["p50_ms"] == 300.0
    assert s["by_type"]["apply"]["n"] == 1 and s["by_type"]["apply"]["p50_ms"] is None
    assert list(s["by_type"]) == ["question", "apply", "rating"]  # in the fixed order of turn types
    assert [e["kind"] for e in s["error_examples"]] == ["timeout", "apology", "no_button"]


def test_by_minute_slices_the_window() -> None:
    turns = [Turn("question", "a", t, 10.0) for t in (1.0, 2.0, 61.0, 119.0, 120.02)]
    slices = by_minute(turns, window_s=120.05, step_s=60.0)
    assert [(s["from_s"], s["to_s"]) for s in slices] == [(0, 60), (60, 120)]  # no sliver at the end
    assert [round(s["turns_per_s"] * 60) for s in slices] == [2, 3]


def test_table_puts_the_modes_side_by_side() -> None:
    a = summarize([Turn("question", "a", 0.0, 80.0), Turn("greeting", "a", 0.0, 40.0)], 1.0)
    b = summarize([Turn("question", "a", 0.0, 160.0, "http", "502")], 1.0)
    text = table({"default": a, "production": b})
    lines = text.splitlines()
    assert "default" in lines[0] and "production" in lines[0]
    question = next(line for line in lines if line.startswith("question"))
    assert "80" in question and "160" in question
    greeting = next(line for line in lines if line.startswith("greeting"))
    assert greeting.count("|") == 2  # the production column is blank, not missing
    assert any(line.startswith("err http") for line in lines)
