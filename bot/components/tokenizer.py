"""Jieba tokenizer that (1) puts its user dictionary into the fingerprint, (2) drops spaces and
punctuation and (3) reads traditional characters as simplified.

Rasa's JiebaTokenizer copies the dictionary folder into the model but does not fingerprint its contents,
so a changed dictionary would be served from the cache (RASA_NOTES.md); and it keeps whitespace and
punctuation as tokens (rasa issue #7910), which only add noise to the features.

A message written in traditional characters (專精特新) has its text replaced by the simplified one
(专精特新) before segmentation, so jieba's dictionary, the featurizers, the linear classifier and the
entity rules all see the characters they were built on. The conversion keeps every offset, so entity
spans stay valid; entity values come out in simplified characters, as the services store them.
"""

from __future__ import annotations

import hashlib
import unicodedata
from pathlib import Path
from typing import Any, Dict, List, Optional

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.tokenizers.jieba_tokenizer import JiebaTokenizer
from rasa.nlu.tokenizers.tokenizer import Token
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message

from knowledge.simplified import to_simplified


def is_noise(word: str) -> bool:
    """True for tokens made only of spaces and punctuation."""
    return all(ch.isspace() or unicodedata.category(ch).startswith(("P", "S")) for ch in word)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER, is_trainable=True)
class ZhTokenizer(JiebaTokenizer):
    @classmethod
    def fingerprint_addon(cls, config: Dict[str, Any]) -> Optional[str]:
        folder = config.get("dictionary_path")
        if not folder or not Path(folder).is_dir():
            return None
        digest = hashlib.sha256()
        for path in sorted(Path(folder).glob("*")):
            digest.update(path.name.encode() + path.read_bytes())
        return digest.hexdigest()

    def tokenize(self, message: Message, attribute: str) -> List[Token]:
        text = message.get(attribute)
        if attribute == TEXT and isinstance(text, str):
            simple = to_simplified(text)
            if simple != text:
                message.set(TEXT, simple)
        tokens = super().tokenize(message, attribute)
        kept = [t for t in tokens if not is_noise(t.text)]
        return kept or tokens
