"""index_builder settings: defaults in config.yml beside this file (the ``search`` section's from
search.defaults, which config.yml may override), overridden by a file or by code."""

from __future__ import annotations

import copy
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, Mapping, Optional

import yaml

from search.defaults import search_settings

DEFAULT_CONFIG = Path(__file__).resolve().parent / "config.yml"
ROOT = Path(__file__).resolve().parent.parent


def _merge(base: Dict[str, Any], over: Mapping[str, Any]) -> Dict[str, Any]:
    out = copy.deepcopy(base)
    for key, value in over.items():
        if isinstance(value, Mapping) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


@dataclass(frozen=True)
class Config:
    raw: Dict[str, Any]

    def section(self, name: str) -> Dict[str, Any]:
        return dict(self.raw.get(name) or {})

    @property
    def embedder(self) -> Dict[str, Any]:
        return self.section("embedder")

    @property
    def chunker(self) -> Dict[str, Any]:
        return self.section("chunker")

    @property
    def analyzer(self) -> Dict[str, Any]:
        return self.section("analyzer")

    @property
    def bm25(self) -> Dict[str, Any]:
        return self.section("bm25")

    @property
    def faiss(self) -> Dict[str, Any]:
        return self.section("faiss")

    @property
    def search(self) -> Dict[str, Any]:
        return self.section("search")

    def path(self, value: Optional[str]) -> Optional[Path]:
        """A configured path, relative to the project root unless absolute."""
        if not value:
            return None
        p = Path(value)
        return p if p.is_absolute() else ROOT / p

    def with_overrides(self, over: Mapping[str, Any]) -> Config:
        return Config(_merge(self.raw, over))


def load_config(path: Optional[Path] = None, overrides: Optional[Mapping[str, Any]] = None) -> Config:
    """The defaults, then `path` (if given) on top, then `overrides`."""
    raw = _merge({"search": search_settings()}, yaml.safe_load(DEFAULT_CONFIG.read_text(encoding="utf-8")) or {})
    if path is not None and Path(path).resolve() != DEFAULT_CONFIG:
        raw = _merge(raw, yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {})
    if overrides:
        raw = _merge(raw, overrides)
    return Config(raw)
