"""bench/load's profile reduction: py-spy's collapsed stacks to shares of the busy samples."""

from __future__ import annotations

from bench.load.profile import bucket, is_idle, parse_raw, reduce

RAW = """\
main (runpy.py:1);serve (sanic/server/runners.py:37) 50
main (runpy.py:1);http1 (sanic/http.py:127);handle_message (rasa/core/processor.py:152);parse_message (rasa/core/processor.py:700);quick_execute (tensorflow/python/eager/execute.py:27) 30
main (runpy.py:1);http1 (sanic/http.py:127);handle_message (rasa/core/processor.py:152);_predict_next_with_tracker (rasa/core/processor.py:900);predict (rasa/core/policies/ted_policy.py:821) 15
main (runpy.py:1);http1 (sanic/http.py:127);handle_message (rasa/core/processor.py:152);save (bot/tracker_store.py:10);iterencode (json/encoder.py:204) 5
not a stack line
"""


def test_parse_raw_reads_stacks_and_counts() -> None:
    stacks = parse_raw(RAW)
    assert len(stacks.items) == 4 and stacks.samples == 100
    assert stacks.items[0][0][-1] == "serve (sanic/server/runners.py:37)"


def test_idle_samples_are_the_event_loop_waiting() -> None:
    assert is_idle(["main (runpy.py:1)", "serve (sanic/server/runners.py:37)"])
    assert is_idle(["_worker (concurrent/futures/thread.py:69)"])
    assert not is_idle(["quick_execute (tensorflow/python/eager/execute.py:27)"])


def test_bucket_keeps_three_levels_of_rasa() -> None:
    assert bucket("rasa/core/policies/ted_policy.py") == "rasa/core/policies"
    assert bucket("rasa/core/processor.py") == "rasa/core"
    assert bucket("/x/site-packages/tensorflow/python/eager/execute.py") == "tensorflow"
    assert bucket("copy.py") == "copy"


def test_reduce_gives_shares_of_the_busy_samples() -> None:
    r = reduce(parse_raw(RAW))
    assert r["samples"] == 100 and r["busy_samples"] == 50 and r["busy_share"] == 0.5
    assert r["self_by_package"][0] == ["tensorflow", 0.6]
    assert r["stages"]["NLU parse"] == 0.6 and r["stages"]["policy prediction"] == 0.3
    assert r["stages"]["tracker store"] == 0.1 and r["stages"]["handle_message (whole turn)"] == 1.0
    functions = dict(r["inclusive_by_function"])
    assert functions["handle_message (rasa/core/processor.py)"] == 1.0
    assert not any("runpy" in name or "sanic" in name for name in functions)  # plumbing left out
