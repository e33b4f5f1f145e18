"""The linear intent classifier, trained and run on its own on a tiny data set."""

from pathlib import Path
from typing import Any, List

import numpy as np
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.nlu.tokenizers.tokenizer import Token
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.components.linear_intent import LinearIntentClassifier, text_of, words_of
from bot.components.tokenizer import ZhTokenizer

EXAMPLES = {
    "greet": ["你好", "您好", "在吗", "哈喽", "早上好"],
    "ask_policy": ["高企认定有什么奖励", "居住证怎么办", "公积金怎么提取", "生育津贴怎么领", "人才补贴有多少"],
    "chitchat/ask_name": ["你叫什么", "你是谁呀", "怎么称呼你"],
}


def make(tmp_path: Path, **config: Any) -> LinearIntentClassifier:
    tmp_path.mkdir(parents=True, exist_ok=True)
    storage = LocalModelStorage(tmp_path)
    component = LinearIntentClassifier(config, storage, Resource("linear"))
    messages = [Message(data={"text": t, "intent": i}) for i, texts in EXAMPLES.items() for t in texts]
    component.train(TrainingData(messages))
    return LinearIntentClassifier.load(config, storage, Resource("linear"), None)  # type: ignore[arg-type]


def test_it_classifies_alone_and_by_base_intent(tmp_path: Path) -> None:
    component = make(tmp_path, weight=1.0)
    out = component.process([Message(data={"text": "公积金提取要什么"}), Message(data={"text": "你叫啥"})])
    assert out[0].get("intent")["name"] == "ask_policy"
    assert out[1].get("intent")["name"] == "chitchat"


def test_blend_averages_with_the_previous_ranking(tmp_path: Path) -> None:
    component = make(tmp_path, weight=0.5)
    ranking = component.blend({"a": 1.0}, [{"name": "b", "confidence": 1.0}])
    assert {r["name"]: r["confidence"] for r in ranking} == {"a": 0.5, "b": 0.5}
    message = Message(data={"text": "你好", "intent_ranking": [{"name": "ask_policy", "confidence": 1.0}]})
    blended = component.process([message])[0].get("intent_ranking")
    assert {r["name"] for r in blended} >= {"greet", "ask_policy"}
    assert abs(sum(r["confidence"] for r in blended) - 1.0) < 1e-6


def test_sharpening_makes_the_top_intent_more_confident(tmp_path: Path) -> None:
    soft = make(tmp_path / "a", weight=1.0, sharpen=1.0).process([Message(data={"text": "居住证办理"})])[0]
    sharp = make(tmp_path / "b", weight=1.0, sharpen=3.0).process([Message(data={"text": "居住证办理"})])[0]
    assert sharp.get("intent")["name"] == soft.get("intent")["name"] == "ask_policy"
    assert sharp.get("intent")["confidence"] > soft.get("intent")["confidence"]


def test_process_blends_what_sharpened_returns(tmp_path: Path, monkeypatch: Any) -> None:
    component = make(tmp_path, weight=1.0)
    classes = component.classes()
    target = classes.index("greet")

    def sharpened(self: LinearIntentClassifier, probabilities: np.ndarray) -> np.ndarray:
        out = np.zeros_like(probabilities)
        out[:, target] = 1.0
        return out

    monkeypatch.setattr(LinearIntentClassifier, "sharpened", sharpened)
    out = component.process([Message(data={"text": "公积金怎么提取"})])[0]
    assert out.get("intent") == {"name": "greet", "confidence": 1.0}


def test_sharpened_raises_to_the_power_and_renormalises(tmp_path: Path) -> None:
    component = LinearIntentClassifier({"sharpen": 2.0}, None, None)  # type: ignore[arg-type]
    sharp = component.sharpened(np.array([[0.5, 0.25, 0.25], [0.2, 0.2, 0.6]]))
    assert np.allclose(sharp, [[4 / 6, 1 / 6, 1 / 6], [0.04 / 0.44, 0.04 / 0.44, 0.36 / 0.44]])


def tokens(*words: str) -> List[Token]:
    out, start = [], 0
    for w in words:
        out.append(Token(w, start))
        start += len(w)
    return out


def test_word_features_come_from_the_message_tokens() -> None:
    # one text, two segmentations, two intents: only the words tell them apart
    text = "南京市长江大桥"
    first, second = tokens("南京市", "长江大桥"), tokens("南京", "市长", "江大桥")
    messages = [Message(data={"text": text, "intent": "a", "text_tokens": first}) for _ in range(3)] + \
        [Message(data={"text": text, "intent": "b", "text_tokens": second}) for _ in range(3)]
    labels = [str(m.get("intent")) for m in messages]
    component = LinearIntentClassifier({"max_word_ngram": 1, "solver": "lbfgs"}, None, None)  # type: ignore[arg-type]
    component.fit(messages, labels)
    probe = [Message(data={"text": text, "text_tokens": first}), Message(data={"text": text, "text_tokens": second})]
    predicted = [component.classes()[i] for i in component.predict_proba(probe).argmax(axis=1)]
    assert predicted == ["a", "b"]
    # without word features the two are one input
    plain = LinearIntentClassifier({"solver": "lbfgs"}, None, None).fit(messages, labels)  # type: ignore[arg-type]
    rows = plain.predict_proba(probe)
    assert np.allclose(rows[0], rows[1])


def test_plain_strings_are_segmented_as_the_pipeline_tokenizer_does() -> None:
    texts = ["我想办理居住证，需要什么材料？", "opera浏览器", "  高企认定 有什么奖励!!", "專精特新企業有補貼嗎", "？？"]
    tokenizer = ZhTokenizer(ZhTokenizer.get_default_config(), None, None)  # type: ignore[arg-type]
    for text in texts:
        message = Message(data={"text": text})
        tokenizer.process([message])
        assert words_of(text) == words_of(message) == [t.text for t in message.get("text_tokens")], text
        assert words_of(Message(data={"text": text})) == words_of(text)
        # and the character view: the text as the tokenizer leaves it
        assert text_of(text) == text_of(Message(data={"text": text})) == message.get("text")


def test_word_features_train_and_predict_in_the_pipeline(tmp_path: Path) -> None:
    component = make(tmp_path, weight=1.0, max_word_ngram=2, analyzer="char_wb", max_ngram=3)
    out = component.process([Message(data={"text": "公积金提取要什么"}), Message(data={"text": "你叫啥"})])
    assert [m.get("intent")["name"] for m in out] == ["ask_policy", "chitchat"]
    assert component.predict_proba(["公积金提取要什么"]).shape == (1, 3)
