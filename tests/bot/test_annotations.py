"""The NLU data follows its annotation rules (nlu_data/NLU_GUIDE.md) where a rule can be checked by shape:
every date- or code-shaped span is annotated, with the right type. A sentence that breaks a rule teaches
DIET the wrong thing and makes the held-out figures lie."""

import re
from pathlib import Path
from typing import Iterator, List, Tuple

import pytest

from bot import patterns

ROOT = Path(__file__).resolve().parents[2]
# eval/nlu_real is labelled for intents only (and entities.yml for place and company names only): its README
FILES = sorted([*(ROOT / "nlu_data" / "nlu").glob("*.yml"),
                *(p for p in (ROOT / "eval").glob("nlu*/*.yml") if p.parent.name != "nlu_real")])
ANNOTATION = re.compile(r'\[([^\]]+)\](?:\(([^)]+)\)|\{"entity":\s*"([^"]+)"[^}]*\})')


def examples(path: Path) -> Iterator[Tuple[str, List[Tuple[int, int, str]]]]:
    for line in path.read_text(encoding="utf-8").splitlines():
        match = re.match(r"^\s+- (.*)$", line)
        if not match:
            continue
        raw, text, spans = match.group(1), "", []
        pos = 0
        for ann in ANNOTATION.finditer(raw):
            text += raw[pos:ann.start()]
            spans.append((len(text), len(text) + len(ann.group(1)), ann.group(2) or ann.group(3)))
            text += ann.group(1)
            pos = ann.end()
        yield text + raw[pos:], spans


@pytest.mark.parametrize("path", FILES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_dates_and_codes_are_annotated(path: Path) -> None:
    missing = []
    for text, spans in examples(path):
        shapes = [(s, e, "date") for s, e in patterns.dates(text)] + patterns.codes(text)
        for start, end, kind in shapes:
            if not any(s < end and start < e for s, e, _ in spans):
                missing.append(f"{text}: {text[start:end]} ({kind})")
        for start, end, kind in patterns.codes(text):
            if not any(s == start and e == end and k == kind for s, e, k in spans):
                missing.append(f"{text}: {text[start:end]} should be {kind}")
    assert not missing, "\n".join(missing[:20])
