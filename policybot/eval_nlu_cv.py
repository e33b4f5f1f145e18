"""`policybot eval nlu-cv --train T.tsv --test E.tsv [--folds 3] [--json]`

Chooses, by k-fold cross-validation on the training file only, a pipeline variant (VARIANTS: options laid over
config.yml's DIETClassifier and char_wb CountVectorsFeaturizer) together with the intent blend's settings
(LinearIntentClassifier: weight, sharpen, C and the linear model's features, FEATURES); then trains config.yml's
pipeline with the chosen variant and settings on the whole training file and scores it once on the test file. The
test file plays no part in the choice, so its figure is a held-out figure (config.yml's own blend settings were
chosen on SMP2017 develop: that figure is a dev figure, shown beside it for comparison, computed from the same
trained DIET).

Why variants: config.yml's DIET (25 epochs, one transformer layer of 128) and its featurizers were sized for our
own data and an 8-minute training, not for SMP's 31 labels of short real queries. Each variant needs its own DIET
training per fold, so VARIANTS stays small: the ones that won in CV-only probes on train (docs/nlu_pipeline.md).

Per fold, each variant's DIET is trained once (its training does not depend on the blend's settings: it runs
before the linear classifier) and its ranking of the fold's held-out part is read with the blend switched off; the
linear model is fitted once per fold and (features, C) in this process and the blend is computed for every
(variant, weight, sharpen) by the component's own code (its fit, ``sharpened`` and ``blend``). The best mean CV
accuracy over (variant, setting) wins. The linear model reads plain strings here, so its words are
``linear_intent.segment``'s: ZhTokenizer's segmentation, which the trained pipeline's model gets as tokens.
Nothing from the data files is kept: models go to a temp folder.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Dict, List, NamedTuple, Optional, Sequence, Tuple

import numpy as np
import yaml

from policybot import paths
from policybot.eval_nlu import evaluate
from policybot.eval_nlu_pipeline import nlu_config_dict, read_tsv, write_config, write_nlu

Row = Tuple[str, str]
Features = Tuple[str, int, int]  # the linear model's analyzer, max_ngram, max_word_ngram
Options = Tuple[Tuple[str, Any], ...]  # a component's options, hashable
Rankings = Sequence[List[Dict[str, Any]]]


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


class Variant(NamedTuple):
    """Options laid over config.yml's DIETClassifier and its char_wb CountVectorsFeaturizer; none: config.yml's."""
    name: str
    diet: Options = ()
    char_wb: Options = ()

    def config(self) -> Dict[str, Any]:
        return {"diet": dict(self.diet), "char_wb": dict(self.char_wb)}

    def apply(self, config: Dict[str, Any]) -> Dict[str, Any]:
        """``config`` (a Rasa config dict) with this variant's options; a component it names must be there."""
        found = {"diet": False, "char_wb": False}
        for component in config["pipeline"]:
            if component["name"] == "DIETClassifier":
                component.update(dict(self.diet))
                found["diet"] = True
            elif component["name"] == "CountVectorsFeaturizer" and component.get("analyzer") == "char_wb":
                component.update(dict(self.char_wb))
                found["char_wb"] = True
        missing = [k for k, options in (("diet", self.diet), ("char_wb", self.char_wb)) if options and not found[k]]
        if missing:
            raise ValueError(f"variant {self.name}: no component for {missing} in the pipeline")
        return config


WEIGHTS = (0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0)
SHARPENS = (1.0, 2.0, 3.0, 4.0)
CS = (5.0, 20.0, 80.0, 320.0)
# the component's default (char 1-4-grams) and char_wb, which adds the query's start and end. The linear model
# alone, 5-fold CV on SMP train (two fold seeds, C 80): char 1-4 0.893, char_wb 1-3 0.908, char_wb 1-2 0.913;
# jieba word unigrams beside char 1-4 +0.002, beside char_wb 1-2 -0.006 (one seed), so words are not searched here
FEATURES: Tuple[Features, ...] = (("char", 4, 0), ("char_wb", 2, 0), ("char_wb", 3, 0))
# config.yml's pipeline first (ties go to the earlier variant), then the ones that won in CV-only probes on SMP train
# (3-fold, the same folds, best blend over grid() / DIET alone): config.yml 0.9074 / 0.868, DIET 50 epochs
# 0.9087 / 0.869, no transformer layer 0.9078 / 0.866, char_wb 1-4 0.9074 / 0.870, constrain_similarities off
# 0.9074 / 0.857. Only 50 epochs is kept: each variant costs a DIET training per fold, and the others gained
# at most one query in 2300
VARIANTS: Tuple[Variant, ...] = (
    Variant("config.yml"),
    Variant("diet_epochs_50", diet=(("epochs", 50),)),
)


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


def pipeline_config(variant: Variant, linear: Optional[Dict[str, Any]] = None) -> Dict[str, Any]:
    """config.yml's NLU pipeline (``nlu_config_dict``) with ``variant`` and the LinearIntentClassifier options
    ``linear``."""
    config = nlu_config_dict()
    for component in config["pipeline"]:
        if linear and component["name"].endswith("LinearIntentClassifier"):
            component.update(linear)
    return variant.apply(config)


def _train(rows: Sequence[Row], folder: Path, variant: Variant, linear: Optional[Dict[str, Any]] = None) -> Path:
    write_nlu(list(rows), folder / "nlu.yml")
    write_config(pipeline_config(variant, linear), folder / "config.yml")
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


LinearOutputs = Dict[Tuple[Features, float], Tuple[np.ndarray, List[str]]]  # probabilities, classes


def linear_probabilities(train: Sequence[Row], texts: Sequence[str], settings: Sequence[Setting]) -> LinearOutputs:
    """One linear model per (features, C) of ``settings``, fitted on ``train``: its probabilities for ``texts``."""
    from bot.components.linear_intent import LinearIntentClassifier

    out: LinearOutputs = {}
    for s in settings:
        if (s.features, s.C) not in out:
            component = LinearIntentClassifier(s.config(), None, None)  # type: ignore[arg-type]
            component.fit([t for t, _ in train], [label for _, label in train])
            out[(s.features, s.C)] = component.predict_proba(list(texts)), component.classes()
    return out


def blend_all(linear: LinearOutputs, rankings: Rankings, settings: Sequence[Setting]) -> Dict[Setting, List[str]]:
    """The pipeline's prediction for each setting, by LinearIntentClassifier's own sharpening and blend."""
    from bot.components.linear_intent import LinearIntentClassifier

    out: Dict[Setting, List[str]] = {}
    for setting in settings:
        probabilities, classes = linear[(setting.features, setting.C)]
        blender = LinearIntentClassifier(setting.config(), None, None)  # type: ignore[arg-type]
        predictions = []
        for row, ranking in zip(blender.sharpened(probabilities), rankings):
            blended = blender.blend({k: float(p) for k, p in zip(classes, row)}, ranking)
            predictions.append(str(blended[0]["name"]))
        out[setting] = predictions
    return out


def blended_predictions(train: Sequence[Row], texts: Sequence[str], rankings: Rankings,
                        settings: Sequence[Setting]) -> Dict[Setting, List[str]]:
    """The pipeline's prediction for each setting, by LinearIntentClassifier's own fit, sharpening and blend."""
    return blend_all(linear_probabilities(train, texts, settings), rankings, settings)


def accuracy(gold: Sequence[str], predicted: Sequence[str]) -> float:
    return sum(g == p for g, p in zip(gold, predicted)) / len(gold) if gold else 0.0


def top_intents(rankings: Rankings) -> List[str]:
    return [str(r[0]["name"]) if r else "" for r in rankings]


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


def choose_pipeline(cv: Dict[Variant, Dict[Setting, float]]) -> Tuple[Variant, Setting]:
    """Each variant's best setting (``choose``), then the variant whose best has the best mean CV accuracy; ties go
    to the variant listed first (config.yml's own, then the cheaper ones)."""
    best = {v: choose(by_setting) for v, by_setting in cv.items()}
    order = list(cv)
    variant = max(cv, key=lambda v: (round(cv[v][best[v]], 6), -order.index(v)))
    return variant, best[variant]


class FoldScores(NamedTuple):
    """Correct predictions summed over the folds, per variant: of each blend setting and of DIET alone."""
    blend: Dict[Variant, Dict[Setting, int]]
    diet: Dict[Variant, int]


def cross_validate(train: Sequence[Row], folds: int, settings: Sequence[Setting], variants: Sequence[Variant],
                   tmp: Path) -> FoldScores:
    scores = FoldScores({v: {s: 0 for s in settings} for v in variants}, {v: 0 for v in variants})
    start = time.time()
    for k, held in enumerate(stratified_folds(train, folds)):
        held_set = set(held)
        fit = [r for i, r in enumerate(train) if i not in held_set]
        texts, gold = [train[i][0] for i in held], [train[i][1] for i in held]
        linear = linear_probabilities(fit, texts, settings)
        for variant in variants:
            folder = tmp / f"fold{k}-{variant.name}"
            folder.mkdir()
            rankings = diet_rankings(_train(fit, folder, variant), texts)
            shutil.rmtree(folder)
            scores.diet[variant] += sum(g == p for g, p in zip(gold, top_intents(rankings)))
            for s, predicted in blend_all(linear, rankings, settings).items():
                scores.blend[variant][s] += sum(g == p for g, p in zip(gold, predicted))
            print(f"fold {k + 1}/{folds}, {variant.name}: {len(fit)} to fit, {len(held)} held out, "
                  f"{time.time() - start:.0f} s", flush=True)
    return scores


def classifier_report(model: Path, test: Sequence[Row]) -> Dict[str, Any]:
    """The trained pipeline's figures with the FallbackClassifier switched off: every query gets one of the
    benchmark's labels, as the CV scores it and as published SMP results are scored (the served pipeline turns an
    unsure query into a clarifying question, which ``evaluate`` counts as an error)."""
    from rasa.nlu.classifiers.fallback_classifier import FallbackClassifier

    saved = FallbackClassifier.process
    FallbackClassifier.process = lambda self, messages, *a, **k: messages  # type: ignore[method-assign]
    try:
        return evaluate(model, [(t, label, set()) for t, label in test])
    finally:
        FallbackClassifier.process = saved  # type: ignore[method-assign]


def main(argv: Optional[List[str]] = None) -> int:
    from policybot.train import prepare_generated

    parser = argparse.ArgumentParser(prog="policybot eval nlu-cv")
    parser.add_argument("--train", type=Path, required=True)
    parser.add_argument("--test", type=Path, required=True)
    parser.add_argument("--folds", type=int, default=3)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    prepare_generated()  # the tokenizer's jieba dictionary (var/), as for the production model
    train, test = read_tsv(args.train), read_tsv(args.test)
    settings, current = grid(), current_setting()
    start = time.time()
    with tempfile.TemporaryDirectory() as tmp:
        scores = cross_validate(train, args.folds, settings, VARIANTS, Path(tmp))
        cv = {v: {s: n / len(train) for s, n in by_setting.items()} for v, by_setting in scores.blend.items()}
        variant, chosen = choose_pipeline(cv)
        folder = Path(tmp) / "final"
        folder.mkdir()
        model = _train(train, folder, variant, chosen.config())
        report = evaluate(model, [(t, label, set()) for t, label in test])
        labels_only = classifier_report(model, test)
        test_texts, test_gold = [t for t, _ in test], [label for _, label in test]
        rankings = diet_rankings(model, test_texts)
        diet_test = accuracy(test_gold, top_intents(rankings))
        current_test = accuracy(test_gold, blended_predictions(train, test_texts, rankings, [current])[current])
    config_yml = VARIANTS[0]
    summary = {
        "folds": args.folds, "train_examples": len(train), "test_examples": len(test),
        "settings_tried": len(settings), "variants_tried": len(VARIANTS),
        "cv_by_variant": {v.name: {"best": round(max(cv[v].values()), 4),
                                   "diet_alone": round(scores.diet[v] / len(train), 4)} for v in VARIANTS},
        "chosen_variant": {"name": variant.name, **variant.config()},
        "chosen": chosen.config(),
        "cv_accuracy_chosen": round(cv[variant][chosen], 4),
        "cv_accuracy_config_yml": round(cv[config_yml][current], 4),
        "cv_accuracy_diet_alone": round(scores.diet[variant] / len(train), 4),
        "test_accuracy": round(report["accuracy"], 4),
        "test_macro_f1": round(report["macro_f1"], 4),
        "test_fallbacks": report["fallbacks"],
        "test_accuracy_fallback_off": round(labels_only["accuracy"], 4),
        "test_macro_f1_fallback_off": round(labels_only["macro_f1"], 4),
        "test_accuracy_diet_alone": round(diet_test, 4),
        "test_accuracy_config_yml_settings_dev_chosen": round(current_test, 4),
        "config_yml_settings": current.config(),
        "seconds": round(time.time() - start, 1),
    }
    print(f"chosen by {args.folds}-fold CV on train: {variant.name} {variant.config()}, {chosen.config()} "
          f"(CV accuracy {cv[variant][chosen]:.4f}; config.yml's {summary['cv_accuracy_config_yml']}; "
          f"DIET alone {summary['cv_accuracy_diet_alone']})")
    print(f"test: accuracy {report['accuracy']:.4f}, macro-F1 {report['macro_f1']:.4f} (DIET alone {diet_test:.4f}); "
          f"fallback off: accuracy {labels_only['accuracy']:.4f}, macro-F1 {labels_only['macro_f1']:.4f}")
    if args.json:
        print(json.dumps(summary, ensure_ascii=False))
    return 0
