"""Three-valued evaluation of compiled conditions over one profile.

``True`` = met, ``False`` = not met, ``None`` = unknown. Missing data is unknown, never "no". Groups use
Kleene logic: ``all`` is not met if any part is not met, else unknown if any part is unknown; ``any`` is
met if any part is met, else unknown if any part is unknown.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable, List, Mapping, Optional, Tuple

from eligibility.rules.model import Cond, Group, Node

Tri = Optional[bool]
STATUS_WORDS = {True: "met", False: "not_met", None: "unknown"}


def kleene_and(results: Iterable[Tri]) -> Tri:
    unknown = False
    for r in results:
        if r is False:
            return False
        if r is None:
            unknown = True
    return None if unknown else True


def kleene_or(results: Iterable[Tri]) -> Tri:
    unknown = False
    for r in results:
        if r is True:
            return True
        if r is None:
            unknown = True
    return None if unknown else False


def leaf_value(cond: Cond, profile: Mapping[str, Any]) -> Tri:
    """The leaf alone, ignoring ``applies_if``."""
    if cond.error is not None:
        return None
    v = profile.get(cond.field)
    if v is None:
        return None
    return cond.holds(v)


def evaluate(node: Node, profile: Mapping[str, Any]) -> Tri:
    if isinstance(node, Group):
        parts = (evaluate(c, profile) for c in node.children)
        return kleene_and(parts) if node.mode == "all" else kleene_or(parts)
    result = leaf_value(node, profile)
    if node.applies_if is None:
        return result
    gate = evaluate(node.applies_if, profile)
    return kleene_or((None if gate is None else not gate, result))


def evaluate_all(nodes: Iterable[Node], profile: Mapping[str, Any]) -> Tri:
    return kleene_and(evaluate(n, profile) for n in nodes)


@dataclass
class Outcome:
    """One node's result with its parts, for explanations and the rule trail.

    For a leaf, ``own`` is the leaf alone and ``parts`` holds the outcome of its ``applies_if`` gate.
    """

    node: Node
    result: Tri
    parts: List[Outcome] = field(default_factory=list)
    own: Tri = None

    @property
    def gate(self) -> Optional[Outcome]:
        return self.parts[0] if isinstance(self.node, Cond) and self.parts else None

    def unknown_leaves(self) -> List[Cond]:
        """Leaves whose value is missing and could still change this node's result."""
        if self.result is not None:
            return []
        if isinstance(self.node, Cond):
            found = [self.node] if self.own is None else []
            if self.gate is not None and self.gate.result is None:
                found.extend(self.gate.unknown_leaves())
            return found
        found = []
        for p in self.parts:
            found.extend(p.unknown_leaves())
        return found


def explain(node: Node, profile: Mapping[str, Any]) -> Outcome:
    if isinstance(node, Group):
        parts = [explain(c, profile) for c in node.children]
        results = [p.result for p in parts]
        result = kleene_and(results) if node.mode == "all" else kleene_or(results)
        return Outcome(node, result, parts)
    own = leaf_value(node, profile)
    if node.applies_if is None:
        return Outcome(node, own, own=own)
    gate = explain(node.applies_if, profile)
    result = kleene_or((None if gate.result is None else not gate.result, own))
    return Outcome(node, result, [gate], own=own)


def explain_all(nodes: Iterable[Node], profile: Mapping[str, Any]) -> Tuple[Tri, List[Outcome]]:
    outcomes = [explain(n, profile) for n in nodes]
    return kleene_and(o.result for o in outcomes), outcomes
