from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any, Dict, List

import numpy as np

from bot.components.linear_intent import LinearIntentClassifier
from policybot import eval_nlu_cv
from policybot.eval_nlu_cv import Setting, Variant, blended_predictions, choose, grid, stratified_folds

ROWS = [(f"查{i}号天气怎么样", "weather") for i in range(10)] + [(f"放一首第{i}首歌", "music") for i in range(7)] + \
       [("打开微信", "app"), ("打开支付宝", "app")]


def test_folds_partition_the_rows_and_spread_each_label() -> None:
    folds = stratified_folds(ROWS, 3)
    assert sorted(i for f in folds for i in f) == list(range(len(ROWS)))
    for label in ("weather", "music"):
        counts = [Counter(ROWS[i][1] for i in f)[label] for f in folds]
        assert max(counts) - min(counts) <= 1, counts
    assert stratified_folds(ROWS, 3) == folds  # seeded
    assert stratified_folds(ROWS, 3, seed=7) != folds


def test_the_blend_follows_the_weight() -> None:
    texts = ["明天天气怎么样", "放一首歌"]
    # DIET (the ranking) is sure of the wrong intent; the linear model has learnt the right one
    rankings = [[{"name": "music", "confidence": 1.0}], [{"name": "weather", "confidence": 1.0}]]
    linear, diet = Setting(1.0, 1.0, 20.0), Setting(0.0, 1.0, 20.0)
    out = blended_predictions(ROWS, texts, rankings, [linear, diet])
    assert out[linear] == ["weather", "music"]  # linear alone
    assert out[diet] == ["music", "weather"]  # DIET alone


def test_each_feature_choice_is_its_own_model(monkeypatch: Any) -> None:
    texts = ["明天天气怎么样", "放一首歌"]
    rankings = [[{"name": "music", "confidence": 1.0}], [{"name": "weather", "confidence": 1.0}]]
    settings = [Setting(1.0, 1.0, 20.0, "char_wb", 2, 0), Setting(1.0, 1.0, 20.0, "char", 4, 1),
                Setting(0.8, 2.0, 20.0, "char_wb", 2, 0)]
    fitted = []
    stock = LinearIntentClassifier.fit

    def fit(self: LinearIntentClassifier, *args: Any) -> LinearIntentClassifier:
        fitted.append((self._config["analyzer"], self._config["max_ngram"], self._config["max_word_ngram"]))
        return stock(self, *args)

    monkeypatch.setattr(LinearIntentClassifier, "fit", fit)
    out = blended_predictions(ROWS, texts, rankings, settings)
    assert sorted(fitted) == [("char", 4, 1), ("char_wb", 2, 0)]
    assert set(out) == set(settings)
    assert all(p == ["weather", "music"] for p in out.values())


def test_the_blend_is_the_components_sharpening(monkeypatch: Any) -> None:
    # a sharpening that puts everything on the first class ("app"): every prediction follows it
    def sharpened(self: LinearIntentClassifier, probabilities: np.ndarray) -> np.ndarray:
        out = np.zeros_like(probabilities)
        out[:, 0] = 1.0
        return out

    monkeypatch.setattr(LinearIntentClassifier, "sharpened", sharpened)
    out = blended_predictions(ROWS, ["放一首歌"], [[]], [Setting(1.0, 3.0, 20.0)])
    assert out[Setting(1.0, 3.0, 20.0)] == ["app"]


def test_the_grid_holds_config_yml_and_every_feature_choice() -> None:
    settings = grid()
    assert eval_nlu_cv.current_setting() in settings
    assert {s.features for s in settings} >= set(eval_nlu_cv.FEATURES)
    assert len(settings) == len(set(settings))
    assert Setting(0.5, 1.0, 20.0, "char_wb", 2, 0).config() == \
        {"weight": 0.5, "sharpen": 1.0, "C": 20.0, "analyzer": "char_wb", "max_ngram": 2, "max_word_ngram": 0}


def test_ties_go_to_plain_averaging_then_the_default_features_then_the_smaller_c() -> None:
    a, b = Setting(0.5, 1.0, 80.0, "char_wb", 2, 0), Setting(0.7, 1.0, 20.0)
    assert choose({a: 0.9, b: 0.9}) == a
    assert choose({a: 0.8, b: 0.9}) == b
    default = Setting(0.5, 1.0, 80.0)
    assert choose({a: 0.9, default: 0.9}) == default
    assert choose({Setting(0.5, 1.0, 320.0): 0.9, default: 0.9}) == default


def test_a_variant_sets_dietclassifier_and_the_char_wb_featurizer_only() -> None:
    variant = Variant("v", diet=(("epochs", 50), ("transformer_size", 64)), char_wb=(("max_ngram", 4),))
    config = eval_nlu_cv.pipeline_config(variant, {"weight": 0.25})
    diet = next(c for c in config["pipeline"] if c["name"] == "DIETClassifier")
    assert diet["epochs"] == 50 and diet["transformer_size"] == 64
    vectorizers = [c for c in config["pipeline"] if c["name"] == "CountVectorsFeaturizer"]
    assert [c.get("max_ngram") for c in vectorizers if c.get("analyzer") == "char_wb"] == [4]
    assert all("max_ngram" not in c for c in vectorizers if c.get("analyzer") != "char_wb")  # the word counts
    linear = next(c for c in config["pipeline"] if c["name"].endswith("LinearIntentClassifier"))
    assert linear["weight"] == 0.25
    stock = eval_nlu_cv.pipeline_config(eval_nlu_cv.VARIANTS[0])
    assert next(c for c in stock["pipeline"] if c["name"] == "DIETClassifier")["epochs"] == 25  # config.yml's


def test_a_variant_for_a_missing_component_is_an_error() -> None:
    config: Dict[str, Any] = {"pipeline": [{"name": "DIETClassifier"}]}
    try:
        Variant("v", char_wb=(("max_ngram", 4),)).apply(config)
    except ValueError as e:
        assert "char_wb" in str(e)
    else:
        raise AssertionError("no error")


def test_the_variants_start_with_config_yml_and_differ() -> None:
    variants = eval_nlu_cv.VARIANTS
    assert variants[0].diet == () and variants[0].char_wb == ()
    assert len({v.name for v in variants}) == len(variants)
    assert len({(v.diet, v.char_wb) for v in variants}) == len(variants)


def test_the_best_variant_wins_and_ties_go_to_the_one_listed_first() -> None:
    first, second = Variant("first"), Variant("second", diet=(("epochs", 50),))
    plain, sharp = Setting(0.5, 1.0, 20.0), Setting(0.8, 3.0, 320.0, "char_wb", 2, 0)
    assert eval_nlu_cv.choose_pipeline({first: {plain: 0.90, sharp: 0.91}, second: {plain: 0.92, sharp: 0.90}}) == (second, plain)
    assert eval_nlu_cv.choose_pipeline({first: {plain: 0.90, sharp: 0.92}, second: {plain: 0.92, sharp: 0.90}}) == (first, sharp)
    assert eval_nlu_cv.choose_pipeline({second: {plain: 0.92}, first: {plain: 0.92}}) == (second, plain)  # listed first


def test_the_command_chooses_the_variant_whose_diet_is_right(monkeypatch: Any, tmp_path: Path) -> None:
    # two variants: "wrong"'s DIET always says "app", "right"'s DIET knows the label; with the blend's weight 0
    # only DIET counts, so CV must choose "right", train it once on all of train and score the test file with it
    gold = dict(ROWS)
    wrong, right = Variant("wrong"), Variant("right", diet=(("epochs", 50),))
    trained: List[str] = []

    def train(rows: Any, folder: Path, variant: Variant, linear: Any = None) -> Path:
        trained.append(variant.name)
        return Path(variant.name)

    def rankings(model: Path, texts: List[str]) -> List[List[Dict[str, Any]]]:
        name = {"wrong": lambda t: "app", "right": lambda t: gold.get(t, "weather")}[str(model)]
        return [[{"name": name(t), "confidence": 1.0}] for t in texts]

    monkeypatch.setattr(eval_nlu_cv, "VARIANTS", (wrong, right))
    monkeypatch.setattr(eval_nlu_cv, "grid", lambda: [Setting(0.0, 1.0, 20.0)])
    monkeypatch.setattr(eval_nlu_cv, "current_setting", lambda: Setting(0.0, 1.0, 20.0))
    monkeypatch.setattr(eval_nlu_cv, "_train", train)
    monkeypatch.setattr(eval_nlu_cv, "diet_rankings", rankings)
    from rasa.nlu.classifiers.fallback_classifier import FallbackClassifier

    served = FallbackClassifier.process

    def evaluate(model: Path, rows: Any) -> Dict[str, Any]:  # the served pipeline asks back on one query in ten
        on = FallbackClassifier.process is served
        return {"accuracy": 0.9 if on else 1.0, "macro_f1": 0.9 if on else 1.0, "fallbacks": 1 if on else 0}

    monkeypatch.setattr(eval_nlu_cv, "evaluate", evaluate)
    monkeypatch.setattr("policybot.train.prepare_generated", lambda: None)
    data = tmp_path / "train.tsv"
    data.write_text("".join(f"{t}\t{label}\n" for t, label in ROWS), encoding="utf-8")
    printed: List[str] = []
    monkeypatch.setattr("builtins.print", lambda *a, **k: printed.append(" ".join(map(str, a))))
    assert eval_nlu_cv.main(["--train", str(data), "--test", str(data), "--json"]) == 0
    assert trained == ["wrong", "right"] * 3 + ["right"]  # each variant per fold, then the chosen one once
    summary = json.loads(printed[-1])
    assert summary["chosen_variant"]["name"] == "right" and summary["chosen"]["weight"] == 0.0
    assert summary["cv_by_variant"]["right"]["diet_alone"] == 1.0
    assert summary["cv_by_variant"]["wrong"]["diet_alone"] < 0.2
    # scored as served (a clarifying question is an error) and with the fallback off, which is then restored
    assert (summary["test_accuracy"], summary["test_fallbacks"], summary["test_accuracy_fallback_off"]) == (0.9, 1, 1.0)
    assert FallbackClassifier.process is served
