"""CPU per component of a Rasa turn, measured in-process on real inputs, with the runtime speedups of
``bot/rasa_speedups.py`` off and on (and proof that they change nothing: the same parse, the same prediction).

    python bench/load/components.py                 # NLU over the eval sets, policies over the test stories
    python bench/load/components.py --trackers DIR  # also over trackers saved by run.py --save-trackers

No py-spy is needed: each graph node (``rasa.engine.graph.GraphNode``) is timed with ``time.thread_time``
(CPU of this thread; TensorFlow's own pool threads are not in it, the process CPU ``time.process_time`` is
reported beside it). A node called inside another (TED resolved inside the ensemble) is counted once, as
itself. Every text is parsed the same number of times with the speedups off and on, interleaved, so a busy
machine slows both sides alike. Prints a table and a final JSON line.

Inputs: every example of eval/nlu, eval/nlu_fresh and eval/nlu_blind and every message of the load journeys
(NLU); every prediction ``rasa test core`` makes on tests/stories (policies), and with ``--trackers`` every
prediction of the saved load-test conversations.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List, Optional, Sequence

ROOT = Path(__file__).resolve().parents[2]
# this folder's profile.py would stand in for the standard library's (spaCy imports cProfile)
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("HF_HUB_OFFLINE", "1")


class NodeClock:
    """CPU (thread time) per graph node while installed; nested node calls are counted once, as themselves."""

    def __init__(self) -> None:
        self.cpu: Dict[str, float] = defaultdict(float)
        self.calls: Dict[str, int] = defaultdict(int)
        self._stack: List[List[float]] = []
        self._stock: Optional[Callable[..., Any]] = None

    def install(self) -> None:
        from rasa.engine.graph import GraphNode

        stock = GraphNode.__call__
        self._stock = stock
        clock = self

        def timed(node: Any, *inputs: Any) -> Any:
            clock._stack.append([time.thread_time(), 0.0])
            try:
                return stock(node, *inputs)
            finally:
                began, nested = clock._stack.pop()
                spent = time.thread_time() - began
                name = node._component_class.__name__
                clock.cpu[name] += spent - nested
                clock.calls[name] += 1
                if clock._stack:
                    clock._stack[-1][1] += spent

        GraphNode.__call__ = timed  # type: ignore[method-assign]

    def uninstall(self) -> None:
        from rasa.engine.graph import GraphNode

        if self._stock is not None:
            GraphNode.__call__ = self._stock  # type: ignore[method-assign]

    def reset(self) -> None:
        self.cpu.clear()
        self.calls.clear()


def load_agent(model: Path) -> Any:
    import logging

    from rasa.core.agent import Agent
    from rasa.utils.common import configure_logging_and_warnings
    from rasa.utils.log_utils import configure_structlog

    configure_logging_and_warnings(logging.WARNING)  # as `rasa run` without --debug
    configure_structlog(logging.WARNING)

    from bot.rasa_speedups import install

    install()  # what importing ``bot`` does in a Rasa process (here ``bot`` may have been imported before Rasa)
    return Agent.load(str(model))


def nlu_texts() -> List[str]:
    from rasa.shared.nlu.training_data.loading import load_data

    from bench.load.journeys import JOURNEYS_FILE, load

    texts: List[str] = []
    for folder in ("eval/nlu", "eval/nlu_fresh", "eval/nlu_blind"):
        for path in sorted((ROOT / folder).glob("*.yml")):
            texts.extend(m.get("text") for m in load_data(str(path)).training_examples if m.get("text"))
    for journey in load(JOURNEYS_FILE):
        for step in journey.steps:
            texts.extend(m for m in step.messages if "{" not in m)
    return list(dict.fromkeys(texts))  # each text once, in order


def canonical(parse: Dict[str, Any]) -> str:
    """A parse as JSON with every float as Python prints it: equal strings = equal outputs, bit for bit.

    The ResponseSelector's prediction is left out of a message whose intent is not a retrieval intent: nothing
    reads it there (speedup 7 of bot/rasa_speedups.py skips it); for a retrieval intent it is compared whole."""
    return json.dumps(read_part(parse), ensure_ascii=False, sort_keys=True, default=str)


def read_part(parse: Dict[str, Any]) -> Dict[str, Any]:
    """The parse without the selector predictions no one reads: those for another intent than the message's."""
    selector = parse.get("response_selector")
    if not isinstance(selector, dict):
        return parse
    intent = (parse.get("intent") or {}).get("name")
    kept = {k: v for k, v in selector.items() if k == "all_retrieval_intents" or k == intent}
    return {**parse, "response_selector": kept}


# ---- policies: the predictions rasa test core makes -----------------------------------------------------

def story_trackers(agent: Any, folder: Path) -> List[Any]:
    from rasa.core.test import _create_data_generator

    return list(_create_data_generator(str(folder), agent, use_conversation_test_files=True)
                .generate_story_trackers())


def saved_trackers(agent: Any, folder: Path) -> List[Any]:
    """Trackers saved by run.py --save-trackers (one JSON file of {sender: events} per mode)."""
    from rasa.shared.core.trackers import DialogueStateTracker

    domain = agent.domain
    out = []
    for path in sorted(folder.glob("trackers-*.json")):
        for sender, events in json.loads(path.read_text(encoding="utf-8")).items():
            out.append(DialogueStateTracker.from_dict(sender, events, domain.slots))
    return out


def prediction_points(tracker: Any, domain: Any) -> Iterator[Any]:
    """The tracker as it was before each action it ran (the state each policy prediction saw), as
    ``rasa test core`` replays it."""
    from rasa.shared.core.events import ActionExecuted
    from rasa.shared.core.trackers import DialogueStateTracker

    events = list(tracker.events)
    partial = DialogueStateTracker.from_events(tracker.sender_id, events[:1], domain.slots)
    for event in events[1:]:
        if isinstance(event, ActionExecuted):
            yield partial.copy()
        partial.update(event)


def predict(agent: Any, tracker: Any) -> Any:
    processor = agent.processor
    return processor._predict_next_with_tracker(tracker)


def events_without_time(events: Sequence[Any]) -> List[Dict[str, Any]]:
    """Events as dicts without their timestamps (made when the prediction is made)."""
    return [{k: v for k, v in e.as_dict().items() if k != "timestamp"} for e in events]


def prediction_key(p: Any) -> str:
    """Everything the processor uses of a prediction, as a JSON string."""
    return json.dumps({"probabilities": list(p.probabilities), "policy": p.policy_name,
                       "priority": p.policy_priority, "events": events_without_time(p.events),
                       "optional_events": events_without_time(p.optional_events or []),
                       "e2e": p.is_end_to_end_prediction, "no_user": p.is_no_user_prediction,
                       "hide": p.hide_rule_turn, "meta": p.action_metadata,
                       "diag": sorted((p.diagnostic_data or {}).keys())},
                      sort_keys=True, default=str)


# ---- the measurement -------------------------------------------------------------------------------------

def run(model: Path, rounds: int, tracker_dir: Optional[Path], dump: Optional[Path] = None) -> Dict[str, Any]:
    from rasa.utils.tensorflow.environment import setup_tf_environment

    from bot import rasa_speedups

    setup_tf_environment()  # as `rasa run` does: TF_INTER/INTRA_OP_PARALLELISM_THREADS when set
    agent = load_agent(model)
    clock = NodeClock()
    clock.install()
    texts = nlu_texts()
    trackers = story_trackers(agent, ROOT / "tests" / "stories")
    if tracker_dir:
        trackers += saved_trackers(agent, tracker_dir)
    points = [p for t in trackers for p in prediction_points(t, agent.domain)]
    print(f"{len(texts)} texts, {len(trackers)} conversations, {len(points)} policy predictions", flush=True)

    sides = ("off", "on")
    cpu: Dict[str, Dict[str, float]] = {s: defaultdict(float) for s in sides}
    calls: Dict[str, Dict[str, int]] = {s: defaultdict(int) for s in sides}
    process_s: Dict[str, Dict[str, float]] = {s: {"nlu": 0.0, "policy": 0.0} for s in sides}
    parses: Dict[str, List[str]] = {s: [] for s in sides}
    predictions: Dict[str, List[str]] = {s: [] for s in sides}

    def side(name: str, collect: bool) -> None:
        rasa_speedups.set_enabled(name == "on")
        clock.reset()
        began = time.process_time()
        for text in texts:
            parse = asyncio.run(agent.parse_message(text))
            if collect:
                parses[name].append(canonical(parse))
        parsed = time.process_time()
        fresh = [point.copy() for point in points]  # a prediction clears the tracker's follow-up action
        mid = time.process_time()
        for point in fresh:
            p = predict(agent, point)
            if collect:
                predictions[name].append(prediction_key(p))
        end = time.process_time()
        process_s[name]["nlu"] += parsed - began
        process_s[name]["policy"] += end - mid
        for k, v in clock.cpu.items():
            cpu[name][k] += v
        for k, n in clock.calls.items():
            calls[name][k] += n

    # warm both paths once (TensorFlow traces its functions on the first calls), then measure interleaved
    for name in sides:
        rasa_speedups.set_enabled(name == "on")
        for text in texts[:20]:
            asyncio.run(agent.parse_message(text))
        for point in points[:20]:
            predict(agent, point.copy())
    for r in range(rounds):
        for name in (sides if r % 2 == 0 else sides[::-1]):
            side(name, collect=r == 0)
    rasa_speedups.set_enabled(True)
    clock.uninstall()
    if dump:  # to compare runs in other settings (another process, other TensorFlow threads)
        dump.write_text(json.dumps({"parses": parses["on"], "predictions": predictions["on"]}, ensure_ascii=False),
                        encoding="utf-8")

    n_texts, n_points = len(texts) * rounds, len(points) * rounds
    parse_diff = [i for i, (a, b) in enumerate(zip(parses["off"], parses["on"])) if a != b]
    pred_diff = [i for i, (a, b) in enumerate(zip(predictions["off"], predictions["on"])) if a != b]
    nlu_nodes = {k for s in sides for k in cpu[s] if calls[s][k] and k not in POLICY_NODES}
    per: Dict[str, Dict[str, Dict[str, float]]] = {}
    for s in sides:
        per[s] = {}
        for k in sorted(cpu[s], key=lambda k: -cpu["off"].get(k, 0.0)):
            denom = n_texts if k in nlu_nodes else n_points
            per[s][k] = {"ms": round(1000 * cpu[s][k] / denom, 3), "calls_per_input": round(calls[s][k] / denom, 3)}
    return {
        "texts": len(texts), "conversations": len(trackers), "predictions": len(points), "rounds": rounds,
        "identical_parses": not parse_diff and len(parses["off"]) == len(parses["on"]) == len(texts),
        "different_parses": [texts[i] for i in parse_diff[:10]],
        "identical_predictions": not pred_diff and len(predictions["off"]) == len(points),
        "different_predictions": len(pred_diff),
        "thread_cpu_ms_per_input": per,
        "process_cpu_ms": {s: {"nlu_per_text": round(1000 * process_s[s]["nlu"] / n_texts, 3),
                               "policy_per_prediction": round(1000 * process_s[s]["policy"] / n_points, 3)}
                           for s in sides},
    }


POLICY_NODES = {"MemoizationPolicy", "RulePolicy", "TEDPolicy", "DefaultPolicyPredictionEnsemble",
                "RuleOnlyDataProvider", "DomainProvider"}


def print_table(result: Dict[str, Any]) -> None:
    per = result["thread_cpu_ms_per_input"]
    print(f"\n{'node (thread CPU ms per input)':<34} | {'off':>9} | {'on':>9} | calls/input off→on")
    for k in per["off"]:
        off, on = per["off"][k], per["on"].get(k, {"ms": 0.0, "calls_per_input": 0.0})
        print(f"{k:<34} | {off['ms']:>9.3f} | {on['ms']:>9.3f} | {off['calls_per_input']} → {on['calls_per_input']}")
    pc = result["process_cpu_ms"]
    print(f"process CPU ms: NLU per text {pc['off']['nlu_per_text']} → {pc['on']['nlu_per_text']}; "
          f"policies per prediction {pc['off']['policy_per_prediction']} → {pc['on']['policy_per_prediction']}")
    print(f"identical parses: {result['identical_parses']}; identical predictions: {result['identical_predictions']}")


def main(argv: Optional[Sequence[str]] = None) -> int:
    p = argparse.ArgumentParser(prog="bench/load/components.py", description=__doc__.split("\n\n")[0])
    p.add_argument("--model", type=Path, default=None, help="default: the model policybot would serve")
    p.add_argument("--rounds", type=int, default=2, help="passes over every input per side")
    p.add_argument("--trackers", type=Path, default=None, help="a run.py --out folder with trackers-*.json")
    p.add_argument("--dump", type=Path, default=None, help="write the parses and predictions (speedups on) here")
    args = p.parse_args(argv)
    if args.model is None:
        from policybot.train import ensure_model

        args.model = ensure_model()
    started = time.time()
    result = run(args.model, args.rounds, args.trackers, args.dump)
    print_table(result)
    result.update({"bench": "load_components", "model": args.model.name,
                   "tf_threads": {k: os.environ.get(k) for k in ("TF_INTER_OP_PARALLELISM_THREADS",
                                                                  "TF_INTRA_OP_PARALLELISM_THREADS")}, "wall_s": round(time.time() - started),
                   "loadavg": [round(x, 2) for x in os.getloadavg()]})
    print(json.dumps(result, ensure_ascii=False))
    return 0 if result["identical_parses"] and result["identical_predictions"] else 1


if __name__ == "__main__":
    sys.exit(main())
