"""Whether a cited document still holds, and the one sentence an answer says when it does not.

A document is out of date when another text replaced it (``superseded_by`` in the corpus, set only where the
facts say so) or when its dated window ended before today: an application period (申报期, a batch's
受理时间) or the document's own validity (有效期, 施行期, 执行至), told apart by the window's own words.
The answer then carries one short sentence; a document without a dated end, or whose end is today or later,
carries none. Nothing is inferred beyond the dates and names the corpus holds.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Optional

from knowledge.dates import parse_date, say_date
from knowledge.schema import UNKNOWN, Document


@dataclass(frozen=True)
class Validity:
    """How long a document holds, as its corpus entry says: the end of its (last known) window, what that window
    is (an application period or the document's validity, in the document's words), and the document that
    replaced it (as people read it: 《title》（number）) with the date it took over. Empty strings: not known.
    :func:`notice` turns it into the sentence an answer carries."""

    window_end: str = ""  # ISO date
    window_text: str = ""
    superseded_by: str = ""
    superseded_since: str = ""  # ISO date



# a window that is the document's validity rather than an application period
VALIDITY_WORDS = re.compile(r"有效期|施行|执行至|执行期|执行到|口径执行")


def validity_of(doc: Document) -> Validity:
    """What the index keeps of a corpus document's window and successor."""
    successor = doc.superseded_by
    return Validity(
        window_end=doc.window.end.isoformat() if doc.window.end else "",
        window_text=doc.window.text if doc.window.end else "",
        superseded_by=successor.display() if successor is not None else "",
        superseded_since=successor.since.isoformat() if successor is not None and successor.since else "",
    )


def notice(validity: Validity, today: dt.date) -> Optional[str]:
    """The sentence an answer citing the document says, or None when, as far as the corpus knows, it holds.

    A successor already in force comes first (it tells the reader where to look); else an ended window."""
    if validity.superseded_by:
        since = parse_date(validity.superseded_since)
        if since is None or since <= today:
            return f"该文件已被{validity.superseded_by}替代，请以新文件为准。"
    end = parse_date(validity.window_end)
    if end is None or end >= today:
        return None
    if VALIDITY_WORDS.search(validity.window_text):
        return f"该政策已于{say_date(end)}到期，{UNKNOWN}。"
    return f"该政策申报期已于{say_date(end)}截止，{UNKNOWN}。"
