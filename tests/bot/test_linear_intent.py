"""The linear intent classifier, trained and run on its own on a tiny data set."""

from pathlib import Path

from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.components.linear_intent import LinearIntentClassifier

EXAMPLES = {
    "greet": ["你好", "您好", "在吗", "哈喽", "早上好"],
    "ask_policy": ["高企认定有什么奖励", "居住证怎么办", "公积金怎么提取", "生育津贴怎么领", "人才补贴有多少"],
    "chitchat/ask_name": ["你叫什么", "你是谁呀", "怎么称呼你"],
}


def make(tmp_path: Path, **config: float) -> LinearIntentClassifier:
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
