"""The in-process sampler (bench/load/sampler/sitecustomize.py): a Python process started with it samples
itself between ``go`` and ``stop`` and writes stacks that bench/load/profile.py reduces like py-spy's."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from bench.load.profile import SamplerProfiler, parse_raw, reduce

BUSY = """
import time
def spin_here():
    end = time.monotonic() + 4
    while time.monotonic() < end:
        sum(range(1000))
spin_here()
"""


def test_a_process_samples_itself_between_go_and_stop(tmp_path: Path) -> None:
    sampler = SamplerProfiler(tmp_path / "profile", hz=200)
    env = {**os.environ, **sampler.environment()}
    proc = subprocess.Popen([sys.executable, "-c", BUSY], env=env)
    try:
        time.sleep(0.5)
        sampler.start({"busy": proc.pid}, seconds=2.0)
        result = sampler.results()["busy"]
    finally:
        proc.wait(30)
    assert result.get("busy_samples", 0) > 50, result
    assert any("spin_here" in name for name, _ in result["inclusive_by_function"]), result
    raw = next((tmp_path / "profile").glob("*.raw.txt")).read_text(encoding="utf-8")
    stacks = parse_raw(raw)
    assert stacks.samples == reduce(stacks)["samples"] > 0


def test_nothing_happens_without_the_variable(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "POLICYBOT_SAMPLER_DIR"}
    env["PYTHONPATH"] = str(SamplerProfiler(tmp_path).environment()["PYTHONPATH"])
    out = subprocess.run([sys.executable, "-c", "import threading; print(threading.active_count())"], env=env,
                         capture_output=True, text=True, timeout=60)
    assert out.stdout.strip() == "1", out.stderr
