"""How much work a turn of each type makes Rasa do, read from the trackers of the run's conversations after the
load: the actions run after each user message (each one a policy prediction, plus the closing action_listen)
and how many of them call the action server. Pure but for ``fetch`` (tests/bench_load/test_trackers.py).
"""

from __future__ import annotations

import random
from collections import defaultdict
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence, Set, Tuple

import httpx

from bench.load.journeys import TURN_TYPES
from bench.load.stats import Turn

NOT_PREDICTED = {"action_listen", "action_extract_slots", "action_session_start"}


def remote_actions(domain: Mapping[str, Any]) -> Set[str]:
    """Actions that run on the action server: the domain's custom actions and the forms that have a
    ``validate_<form>`` action."""
    actions = {str(a) for a in domain.get("actions") or [] if not str(a).startswith("utter_")}
    forms = {str(f) for f in (domain.get("forms") or {})}
    return actions | {f for f in forms if f"validate_{f}" in actions}


def per_user_message(events: Sequence[Mapping[str, Any]], remote: Set[str]) -> List[Tuple[int, int]]:
    """For each user message of the tracker, in order: (actions run after it, how many of them remote)."""
    out: List[Tuple[int, int]] = []
    for event in events:
        kind = event.get("event")
        if kind == "user":
            out.append((0, 0))
        elif kind == "action" and out:
            name = str(event.get("name") or "")
            if name in NOT_PREDICTED:
                continue
            n, r = out[-1]
            out[-1] = (n + 1, r + (name in remote))
    return out


def by_type(pairs: Iterable[Tuple[str, Tuple[int, int]]]) -> Dict[str, Dict[str, float]]:
    """Mean actions and remote calls per turn type, over (type, (actions, remote)) pairs."""
    sums: Dict[str, List[float]] = defaultdict(lambda: [0.0, 0.0, 0.0])
    for kind, (n, r) in pairs:
        s = sums[kind]
        s[0] += 1
        s[1] += n
        s[2] += r
    return {k: {"turns": int(sums[k][0]), "actions": round(sums[k][1] / sums[k][0], 2),
                "remote_calls": round(sums[k][2] / sums[k][0], 2)} for k in TURN_TYPES if k in sums}


def fetch(rasa: str, token: str, turns: Sequence[Turn], sample: int = 40, seed: int = 1,
          keep: Optional[Dict[str, Any]] = None) -> Dict[str, Any]:
    """Reads the trackers of up to ``sample`` conversations of the run and pairs their user messages with
    the turns the client sent in them. ``keep``: filled with sender -> events (as stored: masked)."""
    sent: Dict[str, List[str]] = defaultdict(list)
    for t in turns:
        if t.ms is not None and t.sender and t.error not in ("timeout", "connection"):
            sent[t.sender].append(t.type)
    senders = sorted(sent)
    random.Random(seed).shuffle(senders)
    pairs: List[Tuple[str, Tuple[int, int]]] = []
    with httpx.Client(timeout=30) as client:
        domain = client.get(f"{rasa}/domain", params={"token": token}, headers={"Accept": "application/json"}).json()
        remote = remote_actions(domain)
        for sender in senders[:sample]:
            resp = client.get(f"{rasa}/conversations/{sender}/tracker", params={"token": token})
            if resp.status_code != 200:
                continue
            events = resp.json().get("events") or []
            if keep is not None:
                keep[sender] = events
            counts = per_user_message(events, remote)
            if len(counts) != len(sent[sender]):
                continue  # a turn the client gave up on may still have reached the tracker: not pairable
            pairs.extend(zip(sent[sender], counts))
    return {"conversations": min(sample, len(senders)), "by_type": by_type(pairs)}
