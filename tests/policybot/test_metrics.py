from policybot.metrics import classification_report, confusion, entity_f1


def test_macro_f1_averages_labels_not_examples() -> None:
    gold = ["a", "a", "a", "b"]
    pred = ["a", "a", "a", "a"]
    report = classification_report(gold, pred)
    assert report["accuracy"] == 0.75
    # a: p=3/4 r=1 f1=6/7; b: f1=0 -> macro 3/7
    assert abs(report["macro_f1"] - 3 / 7) < 1e-9


def test_entity_f1_needs_exact_spans() -> None:
    gold = [{("district", 0, 3)}, {("revenue", 2, 6)}]
    pred = [{("district", 0, 3)}, {("revenue", 2, 5), ("employees", 7, 10)}]
    scores = entity_f1(gold, pred)
    assert scores["precision"] == 1 / 3 and scores["recall"] == 1 / 2


def test_confusion_rows_are_gold() -> None:
    labels, matrix = confusion(["a", "b"], ["b", "b"])
    assert labels == ["a", "b"] and matrix == [[0, 1], [0, 1]]
