"""Where the time goes in a run: py-spy samples each Python service while the load runs
(``py-spy record --nonblocking --function --format raw``: the process is not paused), and this module
reduces the collapsed stacks to shares of the busy samples — by package (self time), by function
(inclusive) and by stage of a Rasa turn. Parsing and reduction are pure (tests/bench_load/test_profile.py).

py-spy is not in the project's lock file: ``pip install py-spy`` anywhere and pass ``--py-spy PATH`` (or
have it on PATH). Samples whose innermost Python frame is an event loop or a thread pool waiting for work
are idle (py-spy counts a thread blocked inside uvloop's C code as active).
"""

from __future__ import annotations

import contextlib
import re
import shutil
import subprocess
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

FRAME = re.compile(r"^(?P<func>.*?) \((?P<path>[^()]*?)(?::(?P<line>\d+))?\)$")

# innermost frames that mean "waiting": the loop's own run call (uvloop is C), selectors, idle pool threads
IDLE_LEAVES = (
    ("serve", "sanic/server/runners.py"), ("run_forever", "asyncio/base_events.py"),
    ("run_until_complete", "asyncio/base_events.py"), ("run", "uvicorn/server.py"), ("run", "asyncio/runners.py"),
    ("select", "selectors.py"), ("_worker", "concurrent/futures/thread.py"), ("wait", "threading.py"),
    ("_wait_for_tstate_lock", "threading.py"), ("get", "queue.py"), ("accept", "socket.py"),
    ("asyncio_run", "uvicorn/_compat.py"), ("run", "anyio/_backends/_asyncio.py"),
    ("_recv_bytes", "multiprocessing/connection.py"), ("_recv", "multiprocessing/connection.py"),
    ("poll", "multiprocessing/connection.py"), ("main", "multiprocessing/resource_tracker.py"),
    # the action server's pool thread inside its own (uvloop, C) loop: awaiting the eligibility service
    ("_run", "actions/server.py"),
)

# frames every request passes through (entry points, servers, thread pools): left out of the inclusive list
PLUMBING = ("runpy.py", "threading.py", "concurrent/futures/", "asyncio/", "sanic/", "uvicorn/", "anyio/",
            "starlette/", "rasa/__main__.py", "rasa/cli/", "rasa/api.py", "rasa/core/run.py", "eligibility/cli.py",
            "eligibility/__main__.py", "connection_task", "handle_request", "<frozen")

# Stages of a Rasa turn: a sample counts for every stage whose marker is in one of its frames.
RASA_STAGES: Tuple[Tuple[str, str], ...] = (
    ("channel+HTTP (sanic)", "sanic/"),
    ("handle_message (whole turn)", "handle_message (rasa/core/processor.py"),
    ("NLU parse", "parse_message (rasa/core/processor.py"),
    ("NLU: DIET", "process (rasa/nlu/classifiers/diet_classifier.py"),
    ("NLU: ResponseSelector", "process (rasa/nlu/selectors/response_selector.py"),
    ("NLU: linear intent", "process (bot/components/linear_intent.py"),
    ("NLU: sparse featurizers", "rasa/nlu/featurizers/sparse_featurizer/"),
    ("policy prediction", "_predict_next_with_tracker (rasa/core/processor.py"),
    ("policy: TED", "predict_action_probabilities (rasa/core/policies/ted_policy.py"),
    ("policy: rules+memoization", "rasa/core/policies/rule_policy.py"),
    ("run actions", "_run_action (rasa/core/processor.py"),
    ("remote action call", "run (rasa/core/actions/action.py"),
    ("action answer check (jsonschema)", "jsonschema/"),
    ("tracker copy / replay", "rasa/shared/core/trackers.py"),
    ("tracker store", "tracker_store.py"),
    ("lock store", "lock_store.py"),
    ("events (de)serialisation", "rasa/shared/core/events.py"),
    ("TensorFlow", "tensorflow/"),
    ("JSON", "json/"),
)


@dataclass
class Stacks:
    """Collapsed stacks: frames outermost first, and their sample counts."""

    items: List[Tuple[Tuple[str, ...], int]] = field(default_factory=list)

    @property
    def samples(self) -> int:
        return sum(n for _, n in self.items)


def parse_raw(text: str) -> Stacks:
    """py-spy's raw format: `frame;frame;…;frame COUNT` per line (a frame is `function (path:line)`)."""
    out = Stacks()
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        out.items.append((tuple(f for f in stack.split(";") if f), int(count)))
    return out


def split_frame(frame: str) -> Tuple[str, str]:
    m = FRAME.match(frame)
    return (m.group("func"), m.group("path")) if m else (frame, "")


def is_idle(frames: Sequence[str]) -> bool:
    if not frames:
        return True
    func, path = split_frame(frames[-1])
    return any(func == f and path.endswith(p) for f, p in IDLE_LEAVES)


def bucket(path: str) -> str:
    """The package a frame belongs to: three levels inside rasa (rasa/core/policies), else the top one."""
    parts = [p for p in path.replace("\\", "/").split("/") if p]
    if "site-packages" in parts:
        parts = parts[parts.index("site-packages") + 1:]
    dirs = parts[:-1]
    if not parts:
        return "?"
    if dirs and dirs[0] == "rasa":
        return "/".join(dirs[:3])
    if dirs:
        return dirs[0]
    return parts[0].rsplit(".", 1)[0] or "?"


def _function(frame: str) -> str:
    func, path = split_frame(frame)
    return f"{func} ({path})" if path else func


def reduce(stacks: Stacks, top: int = 12,
           stages: Sequence[Tuple[str, str]] = RASA_STAGES) -> Dict[str, Any]:
    """Shares of the busy samples (idle ones left out): self time by package, inclusive time by function,
    and the stages whose marker appears in the stack."""
    busy = [(frames, n) for frames, n in stacks.items if not is_idle(frames)]
    total = sum(n for _, n in busy)
    own: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    staged: Counter[str] = Counter()
    for frames, n in busy:
        own[bucket(split_frame(frames[-1])[1])] += n
        for name in {_function(f) for f in frames if FRAME.match(f) and split_frame(f)[1]
                     and not split_frame(f)[1].startswith(PLUMBING) and not f.startswith("process ")}:
            inclusive[name] += n
        joined = ";".join(frames)
        for stage, marker in stages:
            if marker in joined:
                staged[stage] += n

    def share(n: int) -> float:
        return round(n / total, 3) if total else 0.0

    return {
        "samples": stacks.samples,
        "busy_samples": total,
        "busy_share": round(total / stacks.samples, 3) if stacks.samples else 0.0,
        "self_by_package": [[name, share(n)] for name, n in own.most_common(top)],
        "inclusive_by_function": [[name, share(n)] for name, n in inclusive.most_common(top)],
        "stages": {stage: share(staged[stage]) for stage, _ in stages if staged[stage]},
    }


def find_py_spy(explicit: Optional[str] = None) -> Optional[str]:
    if explicit:
        return explicit if Path(explicit).exists() else None
    return shutil.which("py-spy")


class Profiler:
    """py-spy on several processes at once, for ``seconds``; ``results()`` waits and reduces each."""

    def __init__(self, py_spy: str, out_dir: Path) -> None:
        self.py_spy, self.out_dir = py_spy, out_dir
        self.running: Dict[str, Tuple[subprocess.Popen, Path]] = {}

    def start(self, targets: Mapping[str, int], seconds: float, rate: int = 67,
              subprocesses: Sequence[str] = ()) -> None:
        self.out_dir.mkdir(parents=True, exist_ok=True)
        for name, pid in targets.items():
            out = self.out_dir / f"{name}.raw.txt"
            argv = [self.py_spy, "record", "--pid", str(pid), "--duration", str(max(1, int(seconds))),
                    "--rate", str(rate), "--format", "raw", "--output", str(out), "--nonblocking", "--function"]
            if name in subprocesses:
                argv.append("--subprocesses")
            log = open(self.out_dir / f"{name}.py-spy.log", "w")  # noqa: SIM115 - the child owns it
            self.running[name] = (subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT), out)

    def results(self, timeout: float = 120) -> Dict[str, Any]:
        out: Dict[str, Any] = {}
        for name, (proc, path) in self.running.items():
            try:
                proc.wait(timeout)
            except subprocess.TimeoutExpired:
                proc.terminate()
                proc.wait(10)
            if path.exists():
                out[name] = reduce(parse_raw(path.read_text(encoding="utf-8", errors="replace")))
            else:
                log = (self.out_dir / f"{name}.py-spy.log").read_text(errors="replace")[-300:]
                out[name] = {"error": f"py-spy wrote nothing (exit {proc.returncode}): {log}"}
        self.running.clear()
        return out


SAMPLER_PATH = Path(__file__).resolve().parent / "sampler"


class SamplerProfiler:
    """The same as ``Profiler`` without py-spy: the services sample themselves (sampler/sitecustomize.py).
    ``environment()`` must be in the services' environment when they start; ``start`` opens the window,
    ``results`` closes it and reduces each service's samples (a service's child processes merged into it)."""

    def __init__(self, out_dir: Path, hz: int = 67) -> None:
        self.out_dir, self.hz = out_dir, hz
        self.targets: Dict[str, List[int]] = {}
        self.timer: Optional[Any] = None

    def environment(self) -> Dict[str, str]:
        import os

        self.out_dir.mkdir(parents=True, exist_ok=True)
        path = os.environ.get("PYTHONPATH", "")
        return {"POLICYBOT_SAMPLER_DIR": str(self.out_dir), "POLICYBOT_SAMPLER_HZ": str(self.hz),
                "PYTHONPATH": f"{SAMPLER_PATH}{os.pathsep}{path}" if path else str(SAMPLER_PATH)}

    def start(self, targets: Mapping[str, int], seconds: float, rate: int = 67,
              subprocesses: Sequence[str] = ()) -> None:
        import threading

        import psutil

        for name, pid in targets.items():
            pids = [pid]
            with contextlib.suppress(psutil.Error):
                pids += [c.pid for c in psutil.Process(pid).children(recursive=True)]
            self.targets[name] = pids
        (self.out_dir / "go").touch()
        self.timer = threading.Timer(seconds, lambda: (self.out_dir / "stop").touch())
        self.timer.daemon = True
        self.timer.start()

    def results(self, timeout: float = 60) -> Dict[str, Any]:
        import time

        if self.timer is not None:
            self.timer.join(timeout)
        (self.out_dir / "stop").touch()
        deadline = time.monotonic() + 10
        out: Dict[str, Any] = {}
        for name, pids in self.targets.items():
            files = [self.out_dir / f"{pid}.raw.txt" for pid in pids]
            while not any(f.exists() for f in files) and time.monotonic() < deadline:
                time.sleep(0.2)
            text = "".join(f.read_text(encoding="utf-8", errors="replace") for f in files if f.exists())
            out[name] = reduce(parse_raw(text)) if text else {"error": "the service wrote no samples"}
        self.targets.clear()
        return out
