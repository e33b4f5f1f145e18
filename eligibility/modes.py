"""The administration's configuration: which items run as 免申即享 or 秒批, and announced windows.

One YAML file (``config/modes.yaml`` by default). Items it does not list are handled as 常规申报.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional

import yaml

from knowledge.dates import parse_date

DEFAULT_MODES = Path(__file__).resolve().parent / "config" / "modes.yaml"
HANDLINGS = ("免申即享", "秒批", "常规申报")


@dataclass(frozen=True)
class ModeEntry:
    id: str
    handling: str
    basis: str
    note: str = ""


@dataclass(frozen=True)
class WindowEntry:
    id: str
    start: Optional[dt.date] = None
    end: Optional[dt.date] = None
    recurring: bool = False
    always_open: bool = False
    basis: str = "demo"
    text: str = ""


@dataclass
class ModesConfig:
    modes: Dict[str, ModeEntry] = field(default_factory=dict)
    windows: Dict[str, List[WindowEntry]] = field(default_factory=dict)
    demonstration: bool = False
    notice: str = ""

    def handling(self, doc_id: str) -> str:
        entry = self.modes.get(doc_id)
        return entry.handling if entry else "常规申报"

    def ids(self, handling: str) -> List[str]:
        return [k for k, v in self.modes.items() if v.handling == handling]


class InvalidModes(ValueError):
    pass


def _date(value: object, where: str) -> Optional[dt.date]:
    if value is None or isinstance(value, dt.date):
        return value
    day = parse_date(value)
    if day is None:
        raise InvalidModes(f"{where}: not a date: {value!r}")
    return day


def load_modes(path: Path = DEFAULT_MODES) -> ModesConfig:
    raw = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    config = ModesConfig(demonstration=bool(raw.get("demonstration")), notice=str(raw.get("notice") or ""))
    for i, item in enumerate(raw.get("modes") or []):
        where = f"{path}: modes[{i}]"
        if item.get("handling") not in HANDLINGS:
            raise InvalidModes(f"{where}: handling must be one of {HANDLINGS}")
        if item.get("basis") not in ("facts", "demo"):
            raise InvalidModes(f"{where}: basis must be facts or demo")
        if item["id"] in config.modes:
            raise InvalidModes(f"{where}: {item['id']} is listed twice")
        config.modes[item["id"]] = ModeEntry(item["id"], item["handling"], item["basis"], str(item.get("note") or ""))
    for i, item in enumerate(raw.get("windows") or []):
        where = f"{path}: windows[{i}]"
        entry = WindowEntry(
            id=item["id"], start=_date(item.get("start"), where), end=_date(item.get("end"), where),
            recurring=bool(item.get("recurring")), always_open=bool(item.get("always_open")),
            basis=str(item.get("basis") or "demo"), text=str(item.get("text") or ""),
        )
        if not entry.always_open and (entry.start is None or entry.end is None or entry.start > entry.end):
            raise InvalidModes(f"{where}: needs start <= end, or always_open")
        config.windows.setdefault(entry.id, []).append(entry)
    return config
