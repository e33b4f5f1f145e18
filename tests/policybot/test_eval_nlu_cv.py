from __future__ import annotations

from collections import Counter
from typing import Any

import numpy as np

from bot.components.linear_intent import LinearIntentClassifier
from policybot import eval_nlu_cv
from policybot.eval_nlu_cv import Setting, blended_predictions, choose, grid, stratified_folds

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
