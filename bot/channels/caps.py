"""What every channel of ours does to a user's text before Rasa reads it (issue 13, hostile input).

Rasa's NLU grows faster than linearly with a message's length (measured with the trained model: 2,000
characters 0.3 s, 8,000 2.7 s, 20,000 14 s, all of it on the Rasa server's event loop, holding every other
user's turn), so a message is cut to ``MAX_MESSAGE_CHARS``; the action server and the search cut again at
their own limits. Control characters are dropped (a NUL cannot be stored in PostgreSQL's text columns,
which the production tracker store uses), line breaks and tabs kept.
"""

from __future__ import annotations

import re
from typing import Any, Optional

MAX_MESSAGE_CHARS = 2000
EMPTY_REPLY = "请问有什么可以帮您？您可以直接输入问题，例如“高新技术企业认定有什么奖励？”"
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff]")


def clean_message(text: Any, limit: int = MAX_MESSAGE_CHARS) -> Optional[str]:
    """The text a channel hands to Rasa: control characters dropped, ``\\r\\n`` as ``\\n``, surrounding
    space stripped, cut to ``limit`` characters; ``None`` when it is not a string."""
    if not isinstance(text, str):
        return None
    cleaned = _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n")).strip()
    # lone surrogates (from JSON "\\ud800") cannot be encoded again: drop them as well
    cleaned = cleaned.encode("utf-8", "ignore").decode("utf-8") if not cleaned.isascii() else cleaned
    return cleaned[:limit].strip()
