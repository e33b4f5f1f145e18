"""Reading a /metrics answer in the tests: one sample's value, and the check that nothing personal is in it."""

from __future__ import annotations

import io
import json
from contextlib import contextmanager
from typing import Dict, Iterable, Iterator, List

from prometheus_client.parser import text_string_to_metric_families

from policybot.telemetry import configure_events
from privacy.masking import find_personal_data, plausible_id_number


def samples(text: str) -> List[tuple]:
    """(name, labels, value) of every sample in a Prometheus text answer (it must parse)."""
    return [(s.name, dict(s.labels), s.value) for family in text_string_to_metric_families(text)
            for s in family.samples]


def value(text: str, name: str, **labels: str) -> float:
    """The sum of the samples named ``name`` whose labels include ``labels`` (0 when there is none)."""
    return sum(v for n, have, v in samples(text) if n == name and all(have.get(k) == w for k, w in labels.items()))


def label_values(text: str) -> List[str]:
    return [v for _, labels, _ in samples(text) for v in labels.values()]


def personal_data(lines: Iterable[str]) -> List[str]:
    """The lines holding an ID number (a plausible one) or a mobile number, as tests/conftest.py looks."""
    found = []
    for line in lines:
        for kind, start, end in find_personal_data(line):
            if kind == "phone" or (kind == "id_number" and plausible_id_number(line[start:end])):
                found.append(line)
                break
    return found


def json_lines(text: str) -> List[Dict]:
    """The JSON objects among a log's lines (the event lines), in order."""
    out = []
    for line in text.splitlines():
        if line.startswith("{"):
            try:
                out.append(json.loads(line))
            except ValueError:
                continue
    return out


@contextmanager
def captured_events(service: str, fmt: str = "json") -> Iterator[io.StringIO]:
    """This process' event lines written into a buffer for the block (none before it, none after)."""
    buffer = io.StringIO()
    configure_events(service, stream=buffer, fmt=fmt)
    try:
        yield buffer
    finally:
        configure_events(service, fmt="off")
