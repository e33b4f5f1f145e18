"""Repair the statistical entities with the closed lists the training data already knows.

At training time it collects every policy name that resolves to one document (the corpus-generated
synonyms and the names annotated with an id in the NLU data); at inference it applies
`bot.entity_rules.repair`: policy spans snap to the known name they overlap, generic words and
impossible spans are dropped, ratings come from the lexicon, split company names are joined.
"""

from __future__ import annotations

import json
import re
from typing import Any, Dict, List, Optional

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import ENTITIES, INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot import entity_rules
from bot.gazetteer import Gazetteer

DOC_ID = re.compile(r"^[A-Z]{3}-\d{3}$")


def policy_names(training_data: TrainingData) -> Dict[str, str]:
    """Name -> document id, from synonyms and id-valued policy annotations; a name claimed by two
    documents is left out (it stays a policy mention, resolved by search)."""
    owners: Dict[str, set] = {}
    for name, value in training_data.entity_synonyms.items():
        if DOC_ID.match(str(value)):
            owners.setdefault(name, set()).add(value)
    for message in training_data.entity_examples:
        text = message.get(TEXT) or ""
        for entity in message.get(ENTITIES) or []:
            if entity.get("entity") == "policy" and DOC_ID.match(str(entity.get("value"))):
                owners.setdefault(text[entity["start"]:entity["end"]], set()).add(entity["value"])
    return {name: next(iter(ids)) for name, ids in owners.items() if len(ids) == 1}


LEADING_VERB = re.compile(r"^(办理|申请|申领|办|领取|领|查询|查)")


def mention_names(names: Dict[str, str]) -> Dict[str, str]:
    """The names as a mention is annotated: search aliases such as 办居住证 lose the leading verb
    (the mention is 居住证), when what remains is still a name of the same document or long enough."""
    out = dict(names)
    for name, doc_id in names.items():
        bare = LEADING_VERB.sub("", name)
        if bare != name:
            del out[name]
            if len(bare) >= 2 and out.get(bare, doc_id) == doc_id:
                out[bare] = doc_id
    return out


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=True)
class EntityRepair(GraphComponent):
    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        # add_policies: add known names (at least 4 characters) that no extractor found
        return {"add_policies": True}

    def __init__(self, config: Dict[str, Any], model_storage: ModelStorage, resource: Resource,
                 names: Optional[Dict[str, str]] = None) -> None:
        self._config = {**self.get_default_config(), **config}
        self._storage, self._resource = model_storage, resource
        self._names = Gazetteer(names or {})

    @classmethod
    def create(cls, config: Dict[str, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> EntityRepair:
        return cls(config, model_storage, resource)

    def train(self, training_data: TrainingData) -> Resource:
        names = mention_names(policy_names(training_data))
        self._names = Gazetteer(names)
        with self._storage.write_to(self._resource) as folder:
            (folder / "policy_names.json").write_text(json.dumps(names, ensure_ascii=False), encoding="utf-8")
        return self._resource

    @classmethod
    def load(cls, config: Dict[str, Any], model_storage: ModelStorage, resource: Resource,
             execution_context: ExecutionContext, **kwargs: Any) -> EntityRepair:
        try:
            with model_storage.read_from(resource) as folder:
                names = json.loads((folder / "policy_names.json").read_text(encoding="utf-8"))
        except (ValueError, FileNotFoundError):
            names = {}
        return cls(config, model_storage, resource, names)

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            text = message.get(TEXT)
            if not text:
                continue
            intent = (message.get(INTENT) or {}).get("name")
            entities = entity_rules.repair(text, [dict(e) for e in message.get(ENTITIES, [])], intent, self._names,
                                           add_policies=bool(self._config["add_policies"]))
            message.set(ENTITIES, entities, add_to_output=True)
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data
