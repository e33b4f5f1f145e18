"""`policybot eval nlu-cv --train T.tsv --test E.tsv [--folds 3] [--json]`

Chooses the intent blend's settings (LinearIntentClassifier: weight, sharpen, C and the linear model's features,
FEATURES) by k-fold cross-validation on the training file only, then trains the pipeline of config.yml with the
chosen settings on the whole training file and scores it once on the test file. The test file plays no part in the choice, so its figure is a
held-out figure (config.yml's own settings were chosen on SMP2017 develop: that figure is a dev figure, shown
beside it for comparison, computed from the same trained DIET).

Per fold, DIET is trained once (its training does not depend on the blend's settings: it runs before the linear
classifier) and its ranking of the fold's held-out part is read with the blend switched off; the linear model is
refit per (features, C) in this process and the blend is computed for every (weight, sharpen) by the component's
own code (its fit, ``sharpened`` and ``blend``). The linear model reads plain strings here, so its words are
``linear_intent.segment``'s: ZhTokenizer's segmentation, which the trained pipeline's model gets as tokens.
Nothing from the data files is kept: models go to a temp folder.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Dict, List, NamedTuple, Optional, Sequence, Tuple

import yaml

from policybot import paths
from policybot.eval_nlu import evaluate
from policybot.eval_nlu_pipeline import nlu_config, read_tsv, write_nlu

Row = Tuple[str, str]
Features = Tuple[str, int, int]  # the linear model's analyzer, max_ngram, max_word_ngram


class Setting(NamedTuple):
    weight: float
    sharpen: float
    C: float
    analyzer: str = "char"
    max_ngram: int = 4
    max_word_ngram: int = 0

    @property
    def features(self) -> Features:
        return self.analyzer, self.max_ngram, self.max_word_ngram

    def config(self) -> Dict[str, Any]:
        """The LinearIntentClassifier options of this setting."""
        return dict(self._asdict())


WEIGHTS = (0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0)
SHARPENS = (1.0, 2.0, 3.0, 4.0)
CS = (5.0, 20.0, 80.0, 320.0)
# the component's default (char 1-4-grams) and char_wb, which adds the query's start and end. The linear model
# alone, 5-fold CV on SMP train (two fold seeds, C 80): char 1-4 0.893, char_wb 1-3 0.908, char_wb 1-2 0.913;
# jieba word unigrams beside char 1-4 +0.002, beside char_wb 1-2 -0.006 (one seed), so words are not searched here
FEATURES: Tuple[Features, ...] = (("char", 4, 0), ("char_wb", 2, 0), ("char_wb", 3, 0))


def stratified_folds(rows: Sequence[Row], k: int, seed: int = 42) -> List[List[int]]:
    """Indices of ``rows`` in ``k`` folds, each label spread evenly (shuffled with ``seed``)."""
    by_label: Dict[str, List[int]] = {}
    for i, (_, label) in enumerate(rows):
        by_label.setdefault(label, []).append(i)
    rng = random.Random(seed)
    folds: List[List[int]] = [[] for _ in range(k)]
    offset = 0
    for label in sorted(by_label):
        members = by_label[label]
        rng.shuffle(members)
        for j, i in enumerate(members):
            folds[(j + offset) % k].append(i)
        offset += len(members)  # small labels do not all start in fold 0
    return [sorted(f) for f in folds]


def _train(rows: Sequence[Row], folder: Path, overrides: Optional[Dict[str, Any]] = None) -> Path:
    write_nlu(list(rows), folder / "nlu.yml")
    nlu_config(folder / "config.yml")
    if overrides:
        config = yaml.safe_load((folder / "config.yml").read_text(encoding="utf-8"))
        for component in config["pipeline"]:
            if component["name"].endswith("LinearIntentClassifier"):
                component.update(overrides)
        (folder / "config.yml").write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False), encoding="utf-8")
    subprocess.run([sys.executable, "-m", "rasa", "train", "nlu", "--config", str(folder / "config.yml"),
                    "--nlu", str(folder / "nlu.yml"), "--out", str(folder), "--fixed-model-name", "pipeline"],
                   cwd=paths.ROOT, check=True, stdout=subprocess.DEVNULL)
    return folder / "pipeline.tar.gz"


def diet_rankings(model: Path, texts: Sequence[str]) -> List[List[Dict[str, Any]]]:
    """DIET's intent ranking per text: the blend and the fallback switched off for the duration."""
    from rasa.core.agent import Agent
    from rasa.nlu.classifiers.fallback_classifier import FallbackClassifier

    from bot.components.linear_intent import LinearIntentClassifier

    saved = LinearIntentClassifier.process, FallbackClassifier.process
    LinearIntentClassifier.process = lambda self, messages, *a, **k: messages  # type: ignore[method-assign]
    FallbackClassifier.process = lambda self, messages, *a, **k: messages  # type: ignore[method-assign]
    try:
        agent = Agent.load(str(model))

        async def parse() -> List[List[Dict[str, Any]]]:
            return [(await agent.parse_message(t)).get("intent_ranking") or [] for t in texts]

        return asyncio.run(parse())
    finally:
        LinearIntentClassifier.process, FallbackClassifier.process = saved  # type: ignore[method-assign]


def blended_predictions(train: Sequence[Row], texts: Sequence[str], rankings: Sequence[List[Dict[str, Any]]],
                        settings: Sequence[Setting]) -> Dict[Setting, List[str]]:
    """The pipeline's prediction for each setting, by LinearIntentClassifier's own fit, sharpening and blend."""
    from bot.components.linear_intent import LinearIntentClassifier

    out: Dict[Setting, List[str]] = {}
    by_model: Dict[Tuple[Features, float], List[Setting]] = {}
    for s in settings:  # one linear model per (features, C), shared by its weights and powers
        by_model.setdefault((s.features, s.C), []).append(s)
    for group in by_model.values():
        component = LinearIntentClassifier(group[0].config(), None, None)  # type: ignore[arg-type]
        component.fit([t for t, _ in train], [label for _, label in train])
        probabilities, classes = component.predict_proba(list(texts)), component.classes()
        for setting in group:
            blender = LinearIntentClassifier(setting.config(), None, None)  # type: ignore[arg-type]
            predictions = []
            for row, ranking in zip(blender.sharpened(probabilities), rankings):
                blended = blender.blend({k: float(p) for k, p in zip(classes, row)}, ranking)
                predictions.append(str(blended[0]["name"]))
            out[setting] = predictions
    return out


def accuracy(gold: Sequence[str], predicted: Sequence[str]) -> float:
    return sum(g == p for g, p in zip(gold, predicted)) / len(gold) if gold else 0.0


def current_setting() -> Setting:
    from bot.components.linear_intent import LinearIntentClassifier

    config = yaml.safe_load(paths.CONFIG.read_text(encoding="utf-8"))
    own = next(c for c in config["pipeline"] if c["name"].endswith("LinearIntentClassifier"))
    merged = {**LinearIntentClassifier.get_default_config(), **own}
    return Setting(float(merged["weight"]), float(merged["sharpen"]), float(merged["C"]), str(merged["analyzer"]),
                   int(merged["max_ngram"]), int(merged["max_word_ngram"]))


def grid() -> List[Setting]:
    settings = [Setting(w, p, c, *f) for f, c, w, p in itertools.product(FEATURES, CS, WEIGHTS, SHARPENS)]
    current = current_setting()
    return settings + ([current] if current not in settings else [])


def choose(cv: Dict[Setting, float]) -> Setting:
    """The best mean CV accuracy; ties go to the setting closest to plain averaging (fewer assumptions), then to
    the component's default features, then to the smaller C."""
    from bot.components.linear_intent import LinearIntentClassifier

    own = LinearIntentClassifier.get_default_config()
    default = (str(own["analyzer"]), int(own["max_ngram"]), int(own["max_word_ngram"]))
    return max(cv, key=lambda s: (round(cv[s], 6), -abs(s.weight - 0.5), -abs(s.sharpen - 1.0),
                                  s.features == default, -s.C))


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="policybot eval nlu-cv")
    parser.add_argument("--train", type=Path, required=True)
    parser.add_argument("--test", type=Path, required=True)
    parser.add_argument("--folds", type=int, default=3)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    train, test = read_tsv(args.train), read_tsv(args.test)
    settings = grid()
    start = time.time()
    cv_correct: Dict[Setting, int] = {s: 0 for s in settings}
    diet_correct = 0
    with tempfile.TemporaryDirectory() as tmp:
        for k, held in enumerate(stratified_folds(train, args.folds)):
            held_set = set(held)
            fit = [r for i, r in enumerate(train) if i not in held_set]
            out = [train[i] for i in held]
            folder = Path(tmp) / f"fold{k}"
            folder.mkdir()
            rankings = diet_rankings(_train(fit, folder), [t for t, _ in out])
            gold = [label for _, label in out]
            diet_correct += sum(g == (r[0]["name"] if r else "") for g, r in zip(gold, rankings))
            for s, predicted in blended_predictions(fit, [t for t, _ in out], rankings, settings).items():
                cv_correct[s] += sum(g == p for g, p in zip(gold, predicted))
            print(f"fold {k + 1}/{args.folds}: {len(fit)} to fit, {len(out)} held out, {time.time() - start:.0f} s")
        cv = {s: n / len(train) for s, n in cv_correct.items()}
        chosen = choose(cv)
        folder = Path(tmp) / "final"
        folder.mkdir()
        model = _train(train, folder, chosen.config())
        report = evaluate(model, [(t, label, set()) for t, label in test])
        test_texts, test_gold = [t for t, _ in test], [label for _, label in test]
        rankings = diet_rankings(model, test_texts)
        diet_test = accuracy(test_gold, [r[0]["name"] if r else "" for r in rankings])
        current = current_setting()
        current_test = accuracy(test_gold, blended_predictions(train, test_texts, rankings, [current])[current])
    summary = {
        "folds": args.folds, "train_examples": len(train), "test_examples": len(test),
        "settings_tried": len(settings),
        "chosen": chosen.config(),
        "cv_accuracy_chosen": round(cv[chosen], 4),
        "cv_accuracy_config_yml": round(cv[current], 4),
        "cv_accuracy_diet_alone": round(diet_correct / len(train), 4),
        "test_accuracy": round(report["accuracy"], 4),
        "test_macro_f1": round(report["macro_f1"], 4),
        "test_accuracy_diet_alone": round(diet_test, 4),
        "test_accuracy_config_yml_settings_dev_chosen": round(current_test, 4),
        "config_yml_settings": current.config(),
        "seconds": round(time.time() - start, 1),
    }
    print(f"chosen by {args.folds}-fold CV on train: {chosen.config()} "
          f"(CV accuracy {cv[chosen]:.4f}; config.yml's {cv[current]:.4f}; DIET alone {summary['cv_accuracy_diet_alone']})")
    print(f"test: accuracy {report['accuracy']:.4f}, macro-F1 {report['macro_f1']:.4f} (DIET alone {diet_test:.4f})")
    if args.json:
        print(json.dumps(summary, ensure_ascii=False))
    return 0
