"""The policy set: every corpus document compiled to rules, with its configured handling and windows.

Reloading builds a new ``PolicySet`` from the YAML files (a document's conditions are its rule file in
``knowledge/rules``, read by ``knowledge.corpus``); nothing about a policy lives in code.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

from eligibility.modes import ModesConfig, WindowEntry
from eligibility.rules.fields import Catalogue, load_catalogue
from eligibility.rules.model import Node, compile_node, inferred_fields
from knowledge.corpus import CorpusError, check_corpus
from knowledge.schema import Document


@dataclass(frozen=True)
class Window:
    start: Optional[dt.date]
    end: Optional[dt.date]
    text: str
    source: str  # "policy" (the document) or "config" (the administration's configuration)
    basis: str = "facts"
    always_open: bool = False

    def is_open(self, day: dt.date) -> bool:
        if self.always_open:
            return True
        return self.start is not None and self.end is not None and self.start <= day <= self.end

    def describe(self) -> Dict[str, object]:
        return {
            "start": self.start.isoformat() if self.start else None,
            "end": self.end.isoformat() if self.end else None,
            "text": self.text, "source": self.source, "basis": self.basis, "always_open": self.always_open,
        }


def _config_windows(entries: List[WindowEntry], years: Tuple[int, ...]) -> List[Window]:
    out: List[Window] = []
    for e in entries:
        if e.always_open:
            out.append(Window(None, None, e.text, "config", e.basis, always_open=True))
        elif e.recurring and e.start and e.end:
            span = (e.end - e.start).days
            for year in years:
                try:
                    start = e.start.replace(year=year)
                except ValueError:  # 29 February
                    start = e.start.replace(year=year, day=28)
                out.append(Window(start, start + dt.timedelta(days=span), e.text, "config", e.basis))
        else:
            out.append(Window(e.start, e.end, e.text, "config", e.basis))
    return out


@dataclass
class Policy:
    doc: Document
    conditions: Tuple[Node, ...]
    handling: str
    handling_basis: Optional[str]
    config_windows: List[WindowEntry] = field(default_factory=list)
    _window_cache: Dict[dt.date, Tuple[str, List[Dict[str, object]]]] = field(default_factory=dict, repr=False)
    cache: Dict[str, Any] = field(default_factory=dict, repr=False)  # derived, read-only views (matching)

    @property
    def id(self) -> str:
        return self.doc.id

    @property
    def audience(self) -> str:
        return self.doc.audience

    def fields(self) -> List[str]:
        seen: Dict[str, None] = {}
        for node in self.conditions:
            for leaf in node.leaves():
                seen.setdefault(leaf.field, None)
        return list(seen)

    def windows(self, around: dt.date) -> List[Window]:
        """Known application windows; configured windows replace the document's own."""
        if self.config_windows:
            years = (around.year - 1, around.year, around.year + 1)
            return _config_windows(self.config_windows, years)
        w = self.doc.window
        if w.start or w.end:
            return [Window(w.start, w.end, w.text, "policy")]
        return []

    def window_info(self, day: dt.date) -> Tuple[str, List[Dict[str, object]]]:
        """(state, windows described), cached per day: matching asks for it for every policy."""
        cached = self._window_cache.get(day)
        if cached is None:
            cached = (self.window_state(day), [w.describe() for w in self.windows(day)])
            if len(self._window_cache) > 64:
                self._window_cache.clear()
            self._window_cache[day] = cached
        return cached

    def window_state(self, day: dt.date) -> str:
        """``open``, ``closed`` or ``unknown`` (no dated window is known)."""
        windows = self.windows(day)
        if not windows:
            return "unknown"
        if any(w.is_open(day) for w in windows):
            return "open"
        if all(w.start and w.end for w in windows):
            return "closed"
        return "unknown"


@dataclass
class PolicySet:
    policies: Dict[str, Policy]
    catalogue: Catalogue
    errors: List[CorpusError]
    warnings: List[str]
    version: str
    modes: ModesConfig

    def get(self, doc_id: str) -> Optional[Policy]:
        return self.policies.get(doc_id)

    def by_handling(self, handling: str) -> List[Policy]:
        return [p for p in self.policies.values() if p.handling == handling]

    def __len__(self) -> int:
        return len(self.policies)


def _version(docs: Dict[str, Document], modes: ModesConfig) -> str:
    digest = hashlib.sha256()
    for doc_id in sorted(docs):
        digest.update(json.dumps(docs[doc_id].dict(), sort_keys=True, default=str, ensure_ascii=False).encode())
    digest.update(json.dumps(sorted((k, v.handling) for k, v in modes.modes.items())).encode())
    return digest.hexdigest()[:12]


def build_policy_set(corpus_dir: Path, modes: ModesConfig, catalogue: Optional[Catalogue] = None) -> PolicySet:
    """Compile every valid document; invalid files are reported, not fatal (the corpus is edited live)."""
    docs, errors = check_corpus(Path(corpus_dir))
    base = catalogue or load_catalogue()
    raw_nodes = [(node, doc.audience) for doc in docs.values() for node in doc.conditions]
    full = base.with_inferred(inferred_fields(raw_nodes, base))
    policies: Dict[str, Policy] = {}
    warnings: List[str] = []
    for doc_id, doc in sorted(docs.items()):
        nodes = tuple(compile_node(n, full) for n in doc.conditions)
        for node in nodes:
            warnings.extend(f"{doc_id}: {leaf.error}" for leaf in node.leaves() if leaf.error)
        entry = modes.modes.get(doc_id)
        policies[doc_id] = Policy(
            doc=doc, conditions=nodes, handling=entry.handling if entry else "常规申报",
            handling_basis=entry.basis if entry else None, config_windows=modes.windows.get(doc_id, []),
        )
    for doc_id in modes.modes:
        if doc_id not in policies:
            warnings.append(f"modes: {doc_id} is configured but not in the corpus")
    for doc_id, doc in docs.items():
        if doc.mode in ("免申即享", "秒批") and policies[doc_id].handling != doc.mode:
            warnings.append(f"{doc_id}: the text says {doc.mode} but the configuration says {policies[doc_id].handling}")
    return PolicySet(policies, full, errors, warnings, _version(docs, modes), modes)
