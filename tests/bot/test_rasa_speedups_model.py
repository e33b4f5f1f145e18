"""The runtime speedups of bot/rasa_speedups.py on the trained model: with them on, every parse and every policy
prediction is the same as with them off (the slow path), on real inputs: the fresh NLU set and the load test's
messages, and every prediction ``rasa test core`` makes on tests/stories. A model loaded the quick way (item 9:
no traced training step) parses and predicts exactly as one loaded the stock way."""

from __future__ import annotations

import asyncio
from typing import Any, Iterator, List

import pytest

from bench.load import components
from bot import rasa_speedups

ROOT = components.ROOT


@pytest.fixture(scope="module")
def agent() -> Iterator[Any]:
    from policybot.supervisor import prepare

    loaded = components.load_agent(prepare())
    yield loaded
    rasa_speedups.set_enabled(True)



@pytest.fixture(scope="module")
def stock_agent() -> Iterator[Any]:
    """The same model loaded with every speedup off while it loads: Rasa's own load (a traced training step)."""
    from policybot.supervisor import prepare

    rasa_speedups.set_enabled(False)
    try:
        loaded = components.load_agent(prepare())
    finally:
        rasa_speedups.set_enabled(True)
    yield loaded

def _texts() -> List[str]:
    from rasa.shared.nlu.training_data.loading import load_data

    from bench.load.journeys import JOURNEYS_FILE, load

    texts = [m.get("text") for path in sorted((ROOT / "eval" / "nlu_fresh").glob("*.yml"))
             for m in load_data(str(path)).training_examples if m.get("text")]
    texts += [m for j in load(JOURNEYS_FILE) for step in j.steps for m in step.messages if "{" not in m]
    return texts


def test_every_parse_is_the_same_with_the_speedups(agent: Any) -> None:
    texts = _texts()
    assert len(texts) > 300
    out = {}
    for on in (False, True):
        rasa_speedups.set_enabled(on)
        out[on] = [components.canonical(asyncio.run(agent.parse_message(t))) for t in texts]
    rasa_speedups.set_enabled(True)
    assert out[True] == out[False]
    # the selector's prediction is compared whole where it is read (a chitchat message) and is skipped elsewhere
    parsed = [asyncio.run(agent.parse_message(t)) for t in texts]
    chitchat = [p for p in parsed if p["intent"]["name"] == "chitchat"]
    assert chitchat and all("chitchat" in p["response_selector"] for p in chitchat)
    # (the FallbackClassifier runs after the selector: a chitchat message it demotes keeps its prediction)
    others = [p for p in parsed if p["intent"]["name"] not in ("chitchat", "nlu_fallback")]
    assert others and all("chitchat" not in p["response_selector"] for p in others)
    # the speedup is in place: the classifier's coefficients are kept Fortran-ordered while on
    estimators = list(rasa_speedups._coefficients)
    assert estimators and all(e.coef_.flags["F_CONTIGUOUS"] for e in estimators)


def test_every_story_prediction_is_the_same_and_ted_is_skipped_when_decided(agent: Any,
                                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    trackers = components.story_trackers(agent, ROOT / "tests" / "stories")
    points = [p for t in trackers for p in components.prediction_points(t, agent.domain)]
    assert len(points) > 100
    ted_runs: List[float] = []
    real = rasa_speedups.DeferredPrediction.resolve

    def resolve(self: rasa_speedups.DeferredPrediction) -> Any:
        prediction = real(self)
        ted_runs.append(max(prediction.probabilities))
        return prediction

    monkeypatch.setattr(rasa_speedups.DeferredPrediction, "resolve", resolve)
    rasa_speedups.set_enabled(False)
    slow = [components.prediction_key(components.predict(agent, p.copy())) for p in points]
    rasa_speedups.set_enabled(True)
    fast = [components.prediction_key(components.predict(agent, p.copy())) for p in points]
    assert fast == slow
    assert 0 < len(ted_runs) < len(points) / 2  # TED ran only where no rule or story had decided
    assert max(ted_runs) <= rasa_speedups.TED_BOUND


def test_the_ensemble_picks_the_same_without_a_ted_that_cannot_win() -> None:
    """``decided_without`` against Rasa's own ensemble: whenever it says TED cannot win, adding a TED prediction
    as confident as TED can be (1.0 on any action) changes nothing; also with a rejected action."""
    from rasa.core.policies.ensemble import DefaultPolicyPredictionEnsemble
    from rasa.core.policies.policy import PolicyPrediction
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import ActionExecuted, ActionExecutionRejected, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    domain = Domain.from_dict({"intents": ["greet"], "actions": ["action_a", "action_b"]})
    n = len(domain.action_names_or_texts)
    a, b = domain.index_for_action("action_a"), domain.index_for_action("action_b")

    def one_hot(i: int, c: float = 1.0) -> List[float]:
        return [c if k == i else 0.0 for k in range(n)]

    def key(p: PolicyPrediction) -> Any:
        return (p.probabilities, p.policy_name, p.policy_priority, components.events_without_time(p.events))

    plain = DialogueStateTracker.from_events("s", [ActionExecuted("action_listen"), UserUttered("hi")])
    rejected = DialogueStateTracker.from_events("s", [ActionExecuted("action_listen"), UserUttered("hi"),
                                                      ActionExecutionRejected("action_a")])
    cases = 0
    for tracker in (plain, rejected):
        for rule_conf in (1.0, 0.3, 0.0):
            for memo_conf in (1.0, 0.0):
                for no_user in (False, True):
                    others = [PolicyPrediction(one_hot(a, memo_conf), "MemoizationPolicy", 3),
                              PolicyPrediction(one_hot(a, rule_conf), "RulePolicy", 6, is_no_user_prediction=no_user)]
                    if not rasa_speedups.decided_without(others, 1, tracker, domain):
                        continue
                    for target in range(n):
                        ted = PolicyPrediction(one_hot(target), "TEDPolicy", 1)
                        copy = [PolicyPrediction(list(p.probabilities), p.policy_name, p.policy_priority,
                                                 is_no_user_prediction=p.is_no_user_prediction) for p in others]
                        ensemble = DefaultPolicyPredictionEnsemble()
                        with_ted = ensemble.combine_predictions([*copy, ted], tracker, domain)
                        copy = [PolicyPrediction(list(p.probabilities), p.policy_name, p.policy_priority,
                                                 is_no_user_prediction=p.is_no_user_prediction) for p in others]
                        without = ensemble.combine_predictions(copy, tracker, domain)
                        assert key(with_ted) == key(without), (rule_conf, memo_conf, no_user, target)
                        cases += 1
    assert cases > 0
    # a rule certain of the rejected action has not decided: TED may win
    others = [PolicyPrediction(one_hot(a), "RulePolicy", 6)]
    assert not rasa_speedups.decided_without(others, 1, rejected, domain)
    assert rasa_speedups.decided_without([PolicyPrediction(one_hot(b), "RulePolicy", 6)], 1, rejected, domain)


def test_a_model_loaded_without_the_traced_training_step_parses_and_predicts_the_same(agent: Any,
                                                                                      stock_agent: Any) -> None:
    """Item 9 against Rasa's own load: the same parse of every text (DIET's and the ResponseSelector's
    confidences included) and, with TED made to run at every point, the same prediction at every story point."""
    texts = _texts()
    rasa_speedups.set_enabled(False)  # TED and the ResponseSelector run everywhere: every model is compared
    try:
        quick = [components.canonical(asyncio.run(agent.parse_message(t))) for t in texts]
        stock = [components.canonical(asyncio.run(stock_agent.parse_message(t))) for t in texts]
        assert quick == stock
        assert any("chitchat" in str(p) for p in quick)
        trackers = components.story_trackers(agent, ROOT / "tests" / "stories")
        points = [p for t in trackers for p in components.prediction_points(t, agent.domain)]
        assert len(points) > 100
        assert ([components.prediction_key(components.predict(agent, p.copy())) for p in points]
                == [components.prediction_key(components.predict(stock_agent, p.copy())) for p in points])
    finally:
        rasa_speedups.set_enabled(True)
    # every TensorFlow model of both agents predicts through its traced graph, not eagerly
    import gc

    from rasa.utils.tensorflow.models import RasaModel

    models = [o for o in gc.get_objects() if isinstance(o, RasaModel)]
    assert len(models) >= 6  # DIET, TED and the ResponseSelector of each agent
    assert all(not m._run_eagerly and m._tf_predict_step is not None for m in models)
