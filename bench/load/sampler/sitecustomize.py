"""A sampling profiler inside each Python service, for bench/load/run.py --profile when py-spy is not installed.

run.py puts this folder on the services' PYTHONPATH and sets ``POLICYBOT_SAMPLER_DIR``; Python imports
``sitecustomize`` at start-up, and this one starts a daemon thread that waits for ``<dir>/go``, then records the
Python stack of every other thread ``POLICYBOT_SAMPLER_HZ`` times a second (``sys._current_frames``) until
``<dir>/stop`` appears, and writes ``<dir>/<pid>.raw.txt`` in py-spy's raw format (``frame;…;frame COUNT``, a frame
``function (short/path.py)``), which bench/load/profile.py reduces like py-spy's. Time spent in C (TensorFlow,
numpy, a socket wait) counts for the Python frame that called it, as py-spy shows without --native. Nothing
happens in a process without ``POLICYBOT_SAMPLER_DIR``.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from collections import Counter
from types import FrameType
from typing import Dict, List, Optional, Tuple


def _short(path: str, prefixes: List[str]) -> str:
    for prefix in prefixes:
        if path.startswith(prefix):
            return path[len(prefix):].lstrip("/")
    return path


def _sample(folder: str, hz: float) -> None:
    go, stop = os.path.join(folder, "go"), os.path.join(folder, "stop")
    while not os.path.exists(go):
        if os.path.exists(stop):
            return
        time.sleep(0.2)
    prefixes = sorted({p for p in sys.path if p and os.path.isdir(p)}, key=len, reverse=True)
    names: Dict[Tuple[str, str], str] = {}
    stacks: Counter[str] = Counter()
    me = threading.get_ident()
    every = 1.0 / hz
    checked = time.monotonic()
    while True:
        now = time.monotonic()
        if now - checked > 0.5:
            checked = now
            if os.path.exists(stop):
                break
        for ident, frame in sys._current_frames().items():
            if ident == me:
                continue
            parts = []
            f: Optional[FrameType] = frame
            while f is not None:
                code = f.f_code
                key = (code.co_name, code.co_filename)
                name = names.get(key)
                if name is None:
                    name = names[key] = f"{code.co_name} ({_short(code.co_filename, prefixes)})"
                parts.append(name)
                f = f.f_back
            stacks[";".join(reversed(parts))] += 1
        time.sleep(max(0.0, every - (time.monotonic() - now)))
    out = os.path.join(folder, f"{os.getpid()}.raw.txt")
    with open(out + ".part", "w", encoding="utf-8") as fh:
        for stack, count in stacks.items():
            fh.write(f"{stack} {count}\n")
    os.replace(out + ".part", out)


_folder = os.environ.get("POLICYBOT_SAMPLER_DIR")
if _folder:
    threading.Thread(target=_sample, args=(_folder, float(os.environ.get("POLICYBOT_SAMPLER_HZ", "67"))),
                     name="policybot-sampler", daemon=True).start()
