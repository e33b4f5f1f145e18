"""Rasa's check of the action server's answers, with the schema checked once: same verdicts, same error."""

from __future__ import annotations

import subprocess
import sys
from typing import Any, Dict

import pytest
from jsonschema import ValidationError

from bot.rasa_speedups import MARK, install

GOOD: Dict[str, Any] = {"events": [{"event": "slot", "name": "pending_field", "value": {"field": "employees"},
                                    "timestamp": None}],
                        "responses": [{"text": "请问贵单位有多少名员工？", "buttons": []}]}


def test_a_good_answer_passes_without_rasas_per_call_schema_check(monkeypatch: pytest.MonkeyPatch) -> None:
    assert install() is True and install() is True  # idempotent
    from rasa.core.actions.action import RemoteAction

    assert getattr(RemoteAction, MARK)
    import jsonschema

    def no_one_shot(*_: Any, **__: Any) -> None:
        raise AssertionError("jsonschema.validate (schema checked again) was called for a good answer")

    monkeypatch.setattr(jsonschema, "validate", no_one_shot)
    assert RemoteAction("action_ask_pending_answer", None)._validate_action_result(GOOD) is True


@pytest.mark.parametrize("bad", [{"events": {"event": "slot"}}, {"events": [{"event": "no_such_event"}]},
                                 {"responses": "text"}])
def test_a_bad_answer_gets_rasas_own_error(bad: Dict[str, Any]) -> None:
    install()
    from rasa.core.actions.action import RemoteAction

    with pytest.raises(ValidationError) as raised:
        RemoteAction("action_show_matches", None)._validate_action_result(bad)
    assert "Failed to validate Action server response from API" in raised.value.message


def test_installed_in_a_rasa_process_and_nowhere_else() -> None:
    """Rasa imports the bot package (its NLU components); the action server does not import Rasa."""
    code = ("import sys, rasa, bot, bot.answers\n"
            "from rasa.core.actions.action import RemoteAction\n"
            f"print(getattr(RemoteAction, {MARK!r}, False))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert out.stdout.strip().endswith("True"), out.stderr[-2000:]
    code = "import sys, bot, bot.answers, actions.matching\nprint('rasa' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert out.stdout.strip() == "False", out.stderr[-2000:]


@pytest.mark.parametrize("dtypes", [("float64", "float64"), ("float32", "float64"), ("int64", "float32"),
                                    ("float32", "float32")])
@pytest.mark.parametrize("rows", [1, 3, 17])
def test_two_coo_blocks_join_as_scipy_joins_them(dtypes: Any, rows: int) -> None:
    import numpy as np
    import scipy.sparse as sp

    from bot.rasa_speedups import coo_hstack

    a = sp.random(rows, 3000, density=0.02, format="coo", dtype=dtypes[0], random_state=1)
    b = sp.random(rows, 70000, density=0.001, format="coo", dtype=dtypes[1], random_state=2)
    slow, fast = sp.hstack([a, b]), coo_hstack(a, b)
    assert type(slow) is type(fast) and slow.shape == fast.shape and slow.dtype == fast.dtype
    for name in ("data", "row", "col"):
        x, y = getattr(slow, name), getattr(fast, name)
        assert x.dtype == y.dtype and np.array_equal(x, y), name


def test_features_of_other_formats_are_joined_by_rasa() -> None:
    import numpy as np
    import scipy.sparse as sp
    from rasa.shared.nlu.training_data.features import Features

    install()
    left = Features(sp.csr_matrix(np.eye(2)), "sequence", "text", "a")
    left.combine_with_features(Features(sp.coo_matrix(np.ones((2, 3))), "sequence", "text", "b"))
    assert left.features.shape == (2, 5) and left.features.format == "coo"
    assert np.array_equal(left.features.toarray(), np.hstack([np.eye(2), np.ones((2, 3))]))


def _answers_of_the_test_stories() -> list:
    """Action-server answers shaped like the real ones: every event of the test stories' trackers, as JSON."""
    from rasa.shared.core.events import ActionExecuted, BotUttered, SlotSet, UserUttered

    events = [SlotSet("pending_field", {"field": "employees", "options": ["1", 2]}).as_dict(),
              SlotSet("questions_asked", 1.0).as_dict(), ActionExecuted("action_listen").as_dict(),
              BotUttered("您好", {"buttons": [{"title": "是", "payload": "是"}]}).as_dict(),
              UserUttered("你好", {"name": "greet", "confidence": 0.9}, [],
                          {"intent": {"name": "greet", "confidence": 0.9}, "entities": [],
                           "intent_ranking": [{"name": "greet", "confidence": 0.9}],
                           "response_selector": {"all_retrieval_intents": ["chitchat"]}}).as_dict(),
              {"event": "active_loop", "name": "matching_form"}, {"event": "active_loop", "name": None},
              {"event": "followup", "name": "action_show_matches"}, {"event": "restart"}]
    good = [{"events": [e], "responses": []} for e in events]
    good.append({"events": events, "responses": [{"text": "好的", "buttons": [], "custom": {"cards": [1, "x"]}}]})
    bad = [{"events": {"event": "slot"}}, {"events": [{"event": "no_such_event"}]}, {"responses": "text"},
           {"events": [{"event": "slot", "value": 1}]}, {"events": [{"name": "x"}]},
           {"events": [{"event": "slot", "name": 3, "value": 1}]}, {"events": [{"event": "user", "parse_data": []}]},
           {"events": [{"event": "slot", "name": "x", "value": 1, "timestamp": "now"}]}, {"responses": [1]}]
    return [(a, True) for a in good] + [(a, False) for a in bad]


def test_the_compiled_validator_agrees_with_the_python_one() -> None:
    from jsonschema import validators
    from rasa.core.actions.action import RemoteAction

    from bot.rasa_speedups import compiled_validator

    schema = RemoteAction.action_response_format_spec()
    compiled = compiled_validator(schema)
    assert compiled is not None  # jsonschema_rs is in the lock file
    python = validators.validator_for(schema)(schema)
    cases = _answers_of_the_test_stories()
    for answer, expected in cases:
        assert python.is_valid(answer) is expected, answer
        assert compiled.is_valid(answer) is expected, answer


def test_event_classes_are_found_as_rasa_finds_them() -> None:
    import rasa.shared.utils.common
    from rasa.shared.core.events import Event

    from bot.rasa_speedups import event_class

    install()
    names = {cls.type_name for cls in rasa.shared.utils.common.all_subclasses(Event)}
    assert len(names) > 20
    for name in names:
        first = next(c for c in rasa.shared.utils.common.all_subclasses(Event) if c.type_name == name)
        assert event_class(name) is first and Event.resolve_by_type(name) is first
    assert Event.resolve_by_type("topic") is None
    with pytest.raises(ValueError, match="Unknown event name"):
        Event.resolve_by_type("no_such_event")
    assert Event.from_parameters({"event": "slot", "name": "a", "value": 1}) == \
        rasa.shared.core.events.SlotSet("a", 1)


@pytest.mark.parametrize("kind", ["coo", "csr", "dense"])
def test_a_plain_feature_copy_equals_a_deep_copy(kind: str) -> None:
    import copy

    import numpy as np
    import scipy.sparse as sp
    from rasa.shared.nlu.training_data.features import Features

    from bot.rasa_speedups import feature_copy

    matrix = sp.random(3, 500, density=0.05, format="coo", dtype="float32", random_state=3)
    m = matrix.toarray() if kind == "dense" else matrix.asformat(kind)
    original = Features(m, "sequence", "text", "CountVectorsFeaturizer")
    original.fingerprint()
    deep, plain = copy.deepcopy(original), feature_copy(original)
    assert vars(deep).keys() == vars(plain).keys()
    for key in ("type", "attribute", "origin", "_cached_fingerprint"):
        assert getattr(deep, key) == getattr(plain, key)
    assert type(deep.features) is type(plain.features) and deep.features.dtype == plain.features.dtype
    a, b = (deep.features, plain.features) if kind == "dense" else (deep.features.toarray(), plain.features.toarray())
    assert np.array_equal(a, b)
    assert plain.features is not original.features  # a copy: joining into it leaves the message's own untouched
    if kind != "dense":
        assert not np.shares_memory(plain.features.data, original.features.data)


def test_combined_features_are_the_same_with_the_plain_copy() -> None:
    import scipy.sparse as sp
    from rasa.shared.nlu.training_data.features import Features
    from rasa.shared.nlu.training_data.message import Message

    from bot import rasa_speedups

    install()
    blocks = [Features(sp.random(2, n, density=0.1, format="coo", random_state=n), "sequence", "text", f"f{n}")
              for n in (30, 400, 7)]
    out = {}
    for on in (False, True):
        rasa_speedups.set_enabled(on)
        combined = Message._combine_features(blocks, ["a", "b"])
        out[on] = (combined.origin, combined.type, combined.features.toarray().tolist(), combined.fingerprint())
    rasa_speedups.set_enabled(True)
    assert out[True] == out[False]
    assert blocks[0].features.shape == (2, 30)  # the first block itself was not joined into


def test_the_project_config_passes_rasas_graph_validation_with_the_speedups_installed() -> None:
    """`rasa train` validates every component's run method from its signature and type hints: a patched method
    must keep Rasa's (an annotated ``self`` read as a required input and refused the model)."""
    import rasa.engine.validation
    from rasa.engine.recipes.recipe import Recipe
    from rasa.shared.data import TrainingType
    from rasa.shared.importers.importer import TrainingDataImporter

    from policybot import paths

    install()
    importer = TrainingDataImporter.load_from_config(str(paths.CONFIG), str(paths.DOMAIN), [str(paths.NLU_DATA)])
    config = importer.get_config()
    recipe = Recipe.recipe_for_name(config.get("recipe"))
    config, _, _ = recipe.auto_configure(importer.get_config_file_for_auto_config(), config, TrainingType.BOTH)
    rasa.engine.validation.validate(recipe.graph_config_for_recipe(config, {}, training_type=TrainingType.BOTH))
