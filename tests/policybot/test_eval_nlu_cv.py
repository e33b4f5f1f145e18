from __future__ import annotations

from collections import Counter

from policybot.eval_nlu_cv import blended_predictions, stratified_folds

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
    out = blended_predictions(ROWS, texts, rankings, [(1.0, 1.0, 20.0), (0.0, 1.0, 20.0)])
    assert out[(1.0, 1.0, 20.0)] == ["weather", "music"]  # linear alone
    assert out[(0.0, 1.0, 20.0)] == ["music", "weather"]  # DIET alone
