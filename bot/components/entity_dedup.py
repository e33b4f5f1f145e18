"""Keep one entity per span and type when DIET and the regex/lookup extractor both find it.

DIET and RegexEntityExtractor on the same entity type return it twice (rasa issues #7490, #10188).
For the closed types (codes, phone numbers, districts, ratings, qualifications) the regex/lookup
extractor is exact, so it wins; for the others DIET's version is kept.
"""

from __future__ import annotations

from typing import Any, Dict, List

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import ENTITIES
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

CLOSED = {"uscc", "id_number", "phone", "district", "rating", "qualification"}


def deduplicate(entities: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
    def rank(e: Dict[str, Any]) -> int:
        exact = e.get("extractor") == "RegexEntityExtractor"
        return 0 if exact == (e["entity"] in CLOSED) else 1

    kept: List[Dict[str, Any]] = []
    for entity in sorted(entities, key=rank):
        clash = any(k["entity"] == entity["entity"] and k["start"] < entity["end"] and entity["start"] < k["end"]
                    for k in kept)
        if not clash:
            kept.append(entity)
    return sorted(kept, key=lambda e: e["start"])


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=False)
class EntityDeduplicator(GraphComponent):
    @classmethod
    def create(cls, config: Dict[str, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> EntityDeduplicator:
        return cls()

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            entities = message.get(ENTITIES, [])
            if entities:
                message.set(ENTITIES, deduplicate(list(entities)), add_to_output=True)
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data
