"""What else the machine is doing, and where the CPU of a run went (psutil, /proc).

- ``busy_elsewhere``: before a mode starts, the load average and the processes that are not ours using the
  CPU (sampled over a few seconds), so a noisy run is visible in its own report;
- ``CpuMeter``: CPU seconds of each service (a process and its children: uvicorn's workers, PostgreSQL's
  backends), of this load client, of the whole machine and so of everything else, over the measured window.
Process names only: command lines are not printed (ours carry tokens).
"""

from __future__ import annotations

import os
import time
from typing import Any, Dict, Iterable, List, Mapping, Optional, Set

import psutil


def loadavg() -> List[float]:
    return [round(x, 2) for x in os.getloadavg()]


def short_name(proc: psutil.Process) -> str:
    """`python -m pytest`, `rasa`, `postgres`: the program and, for Python, its module or script's name."""
    try:
        cmd = proc.cmdline()
        name = proc.name()
    except (psutil.Error, OSError):
        return "?"
    if cmd and "python" in os.path.basename(cmd[0]):
        if "-m" in cmd[:-1]:
            return f"python -m {cmd[cmd.index('-m') + 1]}"
        if "-c" in cmd:
            return "python -c"
        script = next((c for c in cmd[1:] if not c.startswith("-")), "")
        return f"python {os.path.basename(script)}" if script else "python"
    return name


def tree(pids: Iterable[int]) -> Set[int]:
    out: Set[int] = set()
    for pid in pids:
        try:
            root = psutil.Process(pid)
            out.add(pid)
            out.update(c.pid for c in root.children(recursive=True))
        except psutil.Error:
            continue
    return out


def busy_elsewhere(ours: Iterable[int] = (), seconds: float = 3.0, top: int = 6) -> Dict[str, Any]:
    """The load average and the other processes' CPU over ``seconds`` (in cores: 1.0 = one core busy)."""
    exclude = tree(ours) | {os.getpid()}
    procs = {}
    for proc in psutil.process_iter():
        if proc.pid in exclude:
            continue
        try:
            proc.cpu_percent(None)
            procs[proc.pid] = proc
        except psutil.Error:
            continue
    time.sleep(seconds)
    used = []
    for pid, proc in procs.items():
        try:
            pct = proc.cpu_percent(None)
        except psutil.Error:
            continue
        if pct > 0:
            used.append((pct, pid, short_name(proc)))
    used.sort(reverse=True)
    return {"loadavg": loadavg(), "cores": psutil.cpu_count(), "sampled_s": seconds,
            "others_cores": round(sum(p for p, _, _ in used) / 100, 2),
            "top": [{"pid": pid, "name": name, "cores": round(pct / 100, 2)} for pct, pid, name in used[:top]]}


def _cpu_s(proc: psutil.Process) -> float:
    t = proc.cpu_times()
    return float(t.user + t.system + getattr(t, "children_user", 0.0) + getattr(t, "children_system", 0.0))


def _machine() -> Dict[str, float]:
    t = psutil.cpu_times()
    idle = t.idle + getattr(t, "iowait", 0.0)
    steal = getattr(t, "steal", 0.0)
    total = sum(t)
    return {"busy": total - idle - steal, "steal": steal, "total": total}


class CpuMeter:
    """CPU seconds per group of processes between ``start()`` and ``stop()``."""

    def __init__(self, groups: Mapping[str, Iterable[int]]) -> None:
        self.roots = {name: list(pids) for name, pids in groups.items()}
        self.before: Dict[int, float] = {}
        self.machine0: Dict[str, float] = {}
        self.t0 = 0.0

    def _sample(self) -> Dict[str, Dict[int, float]]:
        out: Dict[str, Dict[int, float]] = {}
        for name, roots in self.roots.items():
            out[name] = {}
            for pid in tree(roots):
                try:
                    out[name][pid] = _cpu_s(psutil.Process(pid))
                except psutil.Error:
                    continue
        return out

    def start(self) -> None:
        self.before = {pid: v for group in self._sample().values() for pid, v in group.items()}
        self.client0 = _cpu_s(psutil.Process())
        self.machine0 = _machine()
        self.t0 = time.monotonic()

    def stop(self, turns: Optional[int] = None) -> Dict[str, Any]:
        wall = time.monotonic() - self.t0
        after = self._sample()
        machine = _machine()
        groups = {name: sum(max(0.0, v - self.before.get(pid, 0.0)) for pid, v in procs.items())
                  for name, procs in after.items()}
        client = _cpu_s(psutil.Process()) - self.client0
        busy = machine["busy"] - self.machine0["busy"]
        ours = sum(groups.values()) + client
        per_turn = (lambda s: round(1000 * s / turns, 1)) if turns else (lambda s: None)
        return {
            "wall_s": round(wall, 1),
            "cores_busy_machine": round(busy / wall, 2) if wall else None,
            "cores_steal": round((machine["steal"] - self.machine0["steal"]) / wall, 2) if wall else None,
            "cores_others": round(max(0.0, busy - ours) / wall, 2) if wall else None,
            "cores_client": round(client / wall, 2) if wall else None,
            "cpu_s": {name: round(v, 1) for name, v in sorted(groups.items(), key=lambda kv: -kv[1])},
            "cpu_ms_per_turn": {name: per_turn(v) for name, v in sorted(groups.items(), key=lambda kv: -kv[1])},
        }
