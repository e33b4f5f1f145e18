"""bench/load's reading of trackers: actions run after each user message, and which call the action server."""

from __future__ import annotations

from bench.load.trackers import by_type, per_user_message, remote_actions


def test_remote_actions_are_custom_actions_and_validated_forms() -> None:
    domain = {"actions": ["utter_greet", "action_answer_policy", "validate_matching_form"],
              "forms": {"matching_form": {}, "other_form": {}}}
    assert remote_actions(domain) == {"action_answer_policy", "validate_matching_form", "matching_form"}


def test_actions_are_counted_per_user_message() -> None:
    remote = {"action_answer_policy", "action_start_matching", "matching_form"}
    events = [{"event": "action", "name": "action_session_start"}, {"event": "action", "name": "action_listen"},
              {"event": "user", "text": "你好"}, {"event": "action", "name": "action_extract_slots"},
              {"event": "action", "name": "utter_greet"}, {"event": "action", "name": "action_listen"},
              {"event": "user", "text": "我们公司能申请哪些补贴？"}, {"event": "slot", "name": "x"},
              {"event": "action", "name": "action_start_matching"}, {"event": "action", "name": "matching_form"},
              {"event": "action", "name": "action_listen"}]
    assert per_user_message(events, remote) == [(1, 0), (2, 2)]


def test_by_type_averages() -> None:
    figures = by_type([("question", (1, 1)), ("question", (2, 1)), ("greeting", (1, 0))])
    assert list(figures) == ["greeting", "question"]
    assert figures["question"] == {"turns": 2, "actions": 1.5, "remote_calls": 1.0}
