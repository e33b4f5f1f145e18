"""A linear intent classifier over character and word n-grams, blended with DIET's ranking.

DIET generalises well from context but over-fits small Chinese data sets; a TF-IDF + logistic
regression model over character 1-4-grams is a strong, different baseline on short Chinese queries.
Averaging the two rankings (weight in config) beats either alone: docs/nlu_pipeline.md has the figures.
Retrieval intents (chitchat/ask_name) are classified by their base intent, as DIET does.

Options beside the character n-grams (both off by default, the model as before):
- ``analyzer: char_wb`` pads the text with a space at each end (and at any space inside), so the n-grams
  also say how a query starts and ends (`打开…`, `…吗`);
- ``max_word_ngram: N`` (N ≥ 1) adds TF-IDF word 1..N-grams. The words are the tokenizer's tokens of the
  message when it has them (ZhTokenizer in our pipeline), else ``segment``'s, which is ZhTokenizer's
  segmentation of a plain string; training and prediction go through the same ``words_of``.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Sequence, Union

import joblib
import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.constants import TOKENS_NAMES
from rasa.shared.nlu.constants import INTENT, INTENT_NAME_KEY, PREDICTED_CONFIDENCE_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

RANKING = "intent_ranking"

Item = Union[Message, str]


def segment(text: str) -> List[str]:
    """ZhTokenizer's words for a plain string: jieba on the simplified text, spaces and punctuation dropped
    (all of them kept when nothing else is left)."""
    import jieba

    from bot.components.tokenizer import is_noise

    words = [w for w in jieba.lcut(text_of(text)) if w]
    return [w for w in words if not is_noise(w)] or words


def text_of(item: Item) -> str:
    """The text of a message or string in simplified characters, as ZhTokenizer leaves a message's text."""
    from knowledge.simplified import to_simplified

    return to_simplified(item if isinstance(item, str) else str(item.get(TEXT) or ""))


def words_of(item: Item) -> List[str]:
    """The word view of a message: its tokens when a tokenizer has set them, else ``segment`` of its text."""
    tokens = item.get(TOKENS_NAMES[TEXT]) if isinstance(item, Message) else None
    if tokens:
        return [t.text for t in tokens]
    return segment(text_of(item))


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class LinearIntentClassifier(GraphComponent):
    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        # sharpen: probabilities are raised to this power and renormalised, because a 30-class
        # logistic regression spreads its mass where DIET is near-certain
        # solver: the loss is convex, so every solver reaches the same model; saga gets there in 5 s where lbfgs
        # took 60 s on our 5,000 examples (probabilities within 0.004, the same argmax on every example)
        # analyzer (char or char_wb) and max_word_ngram (0: no word features): see the module's docstring
        return {"weight": 0.7, "sharpen": 3.0, "C": 20.0, "max_ngram": 4, "ranking_length": 10, "solver": "saga",
                "analyzer": "char", "max_word_ngram": 0}

    def __init__(self, config: Dict[str, Any], model_storage: ModelStorage, resource: Resource,
                 model: Optional[Any] = None) -> None:
        self._config = {**self.get_default_config(), **config}
        self._storage, self._resource, self._model = model_storage, resource, model

    @classmethod
    def create(cls, config: Dict[str, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> LinearIntentClassifier:
        return cls(config, model_storage, resource)

    def _pipeline(self) -> Any:
        from sklearn.compose import ColumnTransformer
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import make_pipeline

        features: Any = TfidfVectorizer(analyzer=str(self._config["analyzer"]),
                                        ngram_range=(1, int(self._config["max_ngram"])), sublinear_tf=True)
        if self._words():
            # column 0 the text, column 1 its words joined by spaces (see _inputs)
            words = TfidfVectorizer(analyzer="word", token_pattern=r"\S+", ngram_range=(1, self._words()),
                                    sublinear_tf=True)
            features = ColumnTransformer([("chars", features, 0), ("words", words, 1)])
        return make_pipeline(
            features,
            # balanced: the largest intent (ask_policy) must not swallow the small ones (complain, goodbye)
            LogisticRegression(C=float(self._config["C"]), max_iter=3000, random_state=42, class_weight="balanced",
                               solver=str(self._config["solver"])))

    def _words(self) -> int:
        return int(self._config.get("max_word_ngram") or 0)

    def _inputs(self, items: Sequence[Item]) -> Any:
        """What the pipeline reads: the texts, or with word features a (texts, words) table."""
        texts = [text_of(i) for i in items]
        if not self._words():
            return texts
        table = np.empty((len(items), 2), dtype=object)
        table[:, 0] = texts
        # a token never holds a space in our tokenizer; any that did would be split, the same way at both ends
        table[:, 1] = [" ".join(words_of(i)) for i in items]
        return table

    def fit(self, items: Sequence[Item], labels: Sequence[str]) -> LinearIntentClassifier:
        """Fits the model (not persisted): messages or plain texts, with their base intents."""
        self._model = self._pipeline().fit(self._inputs(items), list(labels))
        return self

    def classes(self) -> List[str]:
        return [str(c) for c in self._model.classes_] if self._model is not None else []

    def predict_proba(self, items: Sequence[Item]) -> np.ndarray:
        """The model's probabilities, one row per item, columns in the order of ``classes()``."""
        if self._model is None:
            raise ValueError("LinearIntentClassifier: no model (not trained, or fewer than two intents)")
        return np.asarray(self._model.predict_proba(self._inputs(items)))

    def sharpened(self, probabilities: np.ndarray) -> np.ndarray:
        """Each row raised to the power ``sharpen`` and renormalised: what is blended with DIET's ranking."""
        sharp = np.asarray(probabilities, dtype=float) ** float(self._config["sharpen"])
        return sharp / sharp.sum(axis=-1, keepdims=True)

    def train(self, training_data: TrainingData) -> Resource:
        examples = [m for m in training_data.intent_examples if m.get(TEXT) and m.get(INTENT)]
        labels = [str(m.get(INTENT)).split("/")[0] for m in examples]
        if len(set(labels)) >= 2:
            self.fit(examples, labels)
            with self._storage.write_to(self._resource) as folder:
                joblib.dump(self._model, folder / "linear_intent.joblib")
        return self._resource

    @classmethod
    def load(cls, config: Dict[str, Any], model_storage: ModelStorage, resource: Resource,
             execution_context: ExecutionContext, **kwargs: Any) -> LinearIntentClassifier:
        try:
            with model_storage.read_from(resource) as folder:
                model = joblib.load(folder / "linear_intent.joblib")
        except (ValueError, FileNotFoundError):
            model = None
        return cls(config, model_storage, resource, model)

    def blend(self, own: Dict[str, float], ranking: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
        """Weighted average of this model's and the previous classifier's probabilities."""
        weight = float(self._config["weight"])
        previous = {r[INTENT_NAME_KEY]: float(r[PREDICTED_CONFIDENCE_KEY]) for r in ranking}
        if not previous:
            weight = 1.0
        names = set(own) | set(previous)
        mixed = {n: weight * own.get(n, 0.0) + (1 - weight) * previous.get(n, 0.0) for n in names}
        ordered = sorted(mixed.items(), key=lambda kv: kv[1], reverse=True)[: int(self._config["ranking_length"])]
        return [{INTENT_NAME_KEY: n, PREDICTED_CONFIDENCE_KEY: c} for n, c in ordered]

    def process(self, messages: List[Message]) -> List[Message]:
        if self._model is None:
            return messages
        classes = self.classes()
        for message, row in zip(messages, self.sharpened(self.predict_proba(messages))):
            if not message.get(TEXT):
                continue
            ranking = self.blend({c: float(p) for c, p in zip(classes, row)}, message.get(RANKING) or [])
            message.set(INTENT, ranking[0], add_to_output=True)
            message.set(RANKING, ranking, add_to_output=True)
        return messages
