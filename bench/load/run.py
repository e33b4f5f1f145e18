"""Load test of the whole assistant over REST, in the default mode and in the production profile, one after
the other in one process, with the figures side by side.

    python bench/load/run.py --users 50 --minutes 5          # 50 conversations pausing 1–3 s, 5 minutes each mode
    python bench/load/run.py --saturation --users 16 --minutes 2 --profile   # no pauses; profile each service
    python bench/load/run.py --quick                          # 30-second smoke of both modes

Each mode is started on free ports with its own state in a temp directory (as bench/bench_turn.py and
tests/e2e/test_production.py do), warmed up with every journey once (not measured), then loaded for the
given time by the asyncio client (client.py) with the journeys of journeys.yml. Before each mode the load
average and the other processes using the CPU are recorded; during the run, the CPU seconds of every
service, of this client and of everything else. Prints a table per mode, the side-by-side table, the
targets of issue 13 and a final JSON line with every figure. Turns (masked) and profiles are kept in
``--out`` (default var/load/<time>/).

What counts as an error: bench/load/journeys.py. Latency: bench/load/stats.py.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple, Union

ROOT = Path(__file__).resolve().parents[2]
# this folder's profile.py would stand in for the standard library's (torch imports cProfile when it trains
# the index's embedder)
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402

from bench.load import journeys as journeys_mod  # noqa: E402
from bench.load import trackers  # noqa: E402
from bench.load.client import Load, Settings, warm_up  # noqa: E402
from bench.load.machine import CpuMeter, busy_elsewhere, loadavg  # noqa: E402
from bench.load.profile import Profiler, SamplerProfiler, find_py_spy  # noqa: E402
from bench.load.stats import Turn, by_minute, summarize, table  # noqa: E402
from privacy.masking import mask_text  # noqa: E402

MODES = ("default", "production")
TARGET_P95_MS = 500.0
TARGET_TURNS_PER_S = 40.0
FULL_USERS, FULL_SECONDS = 50, 300
# the journeys bind the same demo subjects again and again (as tests/e2e/conftest.py): the limits have their tests
OTP_ENV = {"ELIGIBILITY_OTP_RESEND_SECONDS": "0", "ELIGIBILITY_OTP_PER_NUMBER_PER_HOUR": "1000000",
           "ELIGIBILITY_OTP_PER_CONVERSATION_PER_HOUR": "1000000"}


def git_state() -> Dict[str, Any]:
    def git(*args: str) -> str:
        try:
            return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, timeout=20).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            return ""

    changed = [line for line in git("status", "--porcelain").splitlines() if line and not line.endswith("/")]
    return {"commit": git("rev-parse", "--short", "HEAD"), "uncommitted_files": len(changed)}


# ---- the two modes -----------------------------------------------------------------------------------

class Mode:
    """A started stack: where to talk to it and which processes are its services."""

    name = ""
    webhook = ""
    service = ""

    def start(self) -> float:
        raise NotImplementedError

    def stop(self) -> None:
        raise NotImplementedError

    def groups(self) -> Dict[str, List[int]]:
        """Service name -> root pids (their children are counted with them)."""
        raise NotImplementedError

    def python_targets(self) -> Dict[str, int]:
        """What py-spy samples: one pid per Python service process."""
        raise NotImplementedError

    def rasa_api(self) -> Tuple[str, str]:
        """Rasa's HTTP API (a replica or the balancer) and its token."""
        raise NotImplementedError


def _pid(service: Any) -> Optional[int]:
    return service.process.pid if service.process is not None and service.process.poll() is None else None


class DefaultMode(Mode):
    name = "default"

    def __init__(self, model: Path, base: Path) -> None:
        from policybot import paths
        from policybot.supervisor import Stack
        from tests.ports import free_port

        paths.LOGS = base / "logs"
        self.base = base
        self.stack = Stack(model=model, ports={k: free_port() for k in ("eligibility", "actions", "rasa", "idp")},
                           env={"ELIGIBILITY_DATABASE_URL": f"sqlite:///{base / 'eligibility.db'}", **OTP_ENV})
        self.webhook = f"{self.stack.url('rasa')}/webhooks/rest/webhook"
        self.service = self.stack.url("eligibility")

    def start(self) -> float:
        return float(self.stack.start(timeout=600))

    def stop(self) -> None:
        self.stack.stop()

    def groups(self) -> Dict[str, List[int]]:
        return {s.name: [p] for s in self.stack.services if (p := _pid(s))}

    def python_targets(self) -> Dict[str, int]:
        return {name: pids[0] for name, pids in self.groups().items() if name != "idp"}

    def rasa_api(self) -> Tuple[str, str]:
        return self.stack.url("rasa"), self.stack.rasa_token


class ProductionMode(Mode):
    name = "production"

    def __init__(self, model: Path, base: Path) -> None:
        from policybot import paths
        from policybot.production import ProductionStack
        from tests.ports import free_port

        base.chmod(0o755)  # PostgreSQL runs as its own user and must enter it
        paths.LOGS = base / "logs"
        self.base = base
        ports = {name: free_port() for name in ("public", "eligibility", "idp", "actions_lb", "postgres", "redis")}
        self.stack = ProductionStack(model=model, base=base / "prod", ports=ports,
                                     rasa_ports=[free_port(), free_port()], action_ports=[free_port(), free_port()],
                                     env=dict(OTP_ENV))
        self.webhook = f"{self.stack.url()}/webhooks/rest/webhook"
        self.service = self.stack.url("eligibility")

    def start(self) -> float:
        return float(self.stack.start(timeout=900))

    def stop(self) -> None:
        self.stack.stop()

    def groups(self) -> Dict[str, List[int]]:
        out: Dict[str, List[int]] = {}
        for s in self.stack.all_services():
            if (p := _pid(s)) is not None:
                out.setdefault(s.name.split("-")[0], []).append(p)  # rasa-1, rasa-2 -> rasa
        return out

    def python_targets(self) -> Dict[str, int]:
        return {s.name: p for s in self.stack.services if s.name != "idp" and s.name != "nginx" and (p := _pid(s))}

    def rasa_api(self) -> Tuple[str, str]:
        # a replica itself: nginx passes /conversations/ to Rasa but /domain to the eligibility service
        return f"http://127.0.0.1:{self.stack.rasa_ports[0]}", self.stack.secrets.rasa_token


# ---- one mode, measured ---------------------------------------------------------------------------------

def measure(mode: Mode, args: argparse.Namespace, journeys: Sequence[journeys_mod.Journey], out: Path,
            py_spy: Optional[str]) -> Dict[str, Any]:
    print(f"\n== {mode.name}: the machine before starting it", flush=True)
    before = busy_elsewhere()
    print(f"   load average {before['loadavg']} on {before['cores']} cores; other processes used "
          f"{before['others_cores']} cores over {before['sampled_s']:.0f} s: "
          + ", ".join(f"{p['name']} ({p['cores']})" for p in before["top"][:4]), flush=True)
    result: Dict[str, Any] = {"mode": mode.name, "machine_before": before}
    began = time.time()
    sampler = None
    if args.profile and not py_spy:  # the services sample themselves: their environment must say so at start
        sampler = SamplerProfiler(out / f"profile-{mode.name}")
        saved = {k: os.environ.get(k) for k in sampler.environment()}
        os.environ.update(sampler.environment())
    try:
        took = mode.start()
    finally:
        if sampler is not None:
            for k, v in saved.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v
    result["stack_start_s"] = round(took, 1)
    print(f"   {mode.name}: all services healthy in {took:.0f} s", flush=True)
    try:
        settings = Settings(webhook=mode.webhook, service=mode.service, users=args.users, duration_s=args.seconds,
                            pause=None if args.saturation else (args.pause_min, args.pause_max),
                            timeout_s=args.timeout, seed=args.seed, ramp_s=args.ramp,
                            prefix=f"load-{mode.name[:4]}-{int(began) % 100000}")
        warm = asyncio.run(warm_up(settings, journeys))
        bad = [t for t in warm if t.error]
        result["warm_up"] = {"turns": len(warm), "errors": len(bad),
                             "error_examples": [f"{t.journey}/{t.type}: {t.error} {mask_text(t.detail)[:160]}"
                                                for t in bad[:5]]}
        print(f"   warm-up: {len(warm)} turns, {len(bad)} errors" + "".join(
            f"\n     ! {e}" for e in result["warm_up"]["error_examples"]), flush=True)
        print(f"   load: {args.users} users, {'no pauses' if args.saturation else f'pauses {args.pause_min:g}–{args.pause_max:g} s'}"
              f", {args.seconds:.0f} s …", flush=True)
        load = Load(settings, journeys)
        meter = CpuMeter(mode.groups())
        profiler: Optional[Union[Profiler, SamplerProfiler]] = sampler
        if args.profile and py_spy:
            profiler = Profiler(py_spy, out / f"profile-{mode.name}")
        turns, window = run_load(load, meter, profiler, mode, args)
        cpu = meter.stop(turns=len([t for t in turns if t.ms is not None]))
        summary = summarize(turns, window)
        result.update(summary)
        result["by_minute"] = by_minute(turns, window, step_s=60.0 if args.seconds >= 120 else 10.0)
        result["cpu"] = cpu
        result["conversations"] = load.conversations
        result["conversations_completed"] = load.finished
        result["otp_lock_wait_s"] = round(load.lock_wait_s, 1)
        result["loadavg_after"] = loadavg()
        if profiler:
            result["profile"] = profiler.results()
        kept: Dict[str, Any] = {}
        try:
            result["actions_per_turn"] = trackers.fetch(*mode.rasa_api(), turns,
                                                        sample=args.save_trackers or 40, keep=kept)
        except (httpx.HTTPError, ValueError) as exc:
            result["actions_per_turn"] = {"error": str(exc)[:200]}
        if args.save_trackers and kept:  # for bench/load/components.py --trackers (stored masked)
            (out / f"trackers-{mode.name}.json").write_text(json.dumps(kept, ensure_ascii=False), encoding="utf-8")
        write_turns(out / f"turns-{mode.name}.csv", turns)
    finally:
        mode.stop()
    print_mode(result)
    return result


def run_load(load: Load, meter: CpuMeter, profiler: Optional[Union[Profiler, SamplerProfiler]], mode: Mode,
             args: argparse.Namespace) -> Tuple[List[Turn], float]:
    async def main() -> float:
        progress = asyncio.create_task(report_progress(load, args.seconds))
        meter.start()
        if profiler:
            # from the end of the ramp to shortly before the deadline
            async def later() -> None:
                await asyncio.sleep(args.ramp + 2)
                profiler.start(mode.python_targets(), max(5.0, args.seconds - args.ramp - 6),
                               subprocesses=("eligibility",))
            asyncio.create_task(later())
        try:
            return await load.run()
        finally:
            progress.cancel()

    window = asyncio.run(main())
    return load.turns, window


async def report_progress(load: Load, seconds: float) -> None:
    every = 30.0 if seconds >= 120 else 10.0
    last = 0
    while True:
        await asyncio.sleep(every)
        done = len(load.turns)
        errors = sum(1 for t in load.turns if t.error)
        print(f"     {time.monotonic() - load.t0:5.0f} s: {done} turns ({(done - last) / every:.1f}/s), "
              f"{errors} errors", flush=True)
        last = done


def write_turns(path: Path, turns: Sequence[Turn]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["type", "journey", "start_s", "ms", "error", "detail"])
        for t in turns:
            writer.writerow([t.type, t.journey, f"{t.start_s:.3f}", "" if t.ms is None else f"{t.ms:.1f}",
                             t.error or "", mask_text(t.detail)])


# ---- printing ------------------------------------------------------------------------------------------

def print_mode(r: Dict[str, Any]) -> None:
    print(f"\n-- {r['mode']}: {r.get('turns')} turns in {r.get('window_s')} s = {r.get('turns_per_s')} turns/s; "
          f"errors {r.get('errors')} {r.get('errors_by_kind') or ''}; conversations {r.get('conversations')} "
          f"({r.get('conversations_completed')} completed)")
    print(table({r["mode"]: r}))
    for e in r.get("error_examples") or []:
        print(f"   ! {e['type']} ({e['journey']}) at {e['at_s']} s: {e['kind']} {mask_text(e['detail'])}")
    cpu = r.get("cpu") or {}
    print(f"   CPU over the window: machine {cpu.get('cores_busy_machine')} cores busy (steal {cpu.get('cores_steal')}), "
          f"others {cpu.get('cores_others')}, this client {cpu.get('cores_client')}; per turn (ms CPU): "
          + ", ".join(f"{k} {v}" for k, v in (cpu.get("cpu_ms_per_turn") or {}).items()))
    print("   per slice: " + "; ".join(f"{s['from_s']}-{s['to_s']} s {s['turns_per_s']}/s p95 {s['p95_ms']} "
                                       f"err {s['errors']}" for s in r.get("by_minute") or []))
    apt = r.get("actions_per_turn") or {}
    if apt.get("by_type"):
        print(f"   actions run per turn (trackers of {apt['conversations']} conversations; each is a policy "
              "prediction, plus the closing action_listen), of them calls to the action server: "
              + ", ".join(f"{k} {v['actions']:g}/{v['remote_calls']:g}" for k, v in apt["by_type"].items()))
    for name, prof in (r.get("profile") or {}).items():
        if "error" in prof:
            print(f"   profile {name}: {prof['error']}")
            continue
        print(f"   profile {name}: {prof['busy_samples']} busy of {prof['samples']} samples "
              f"({prof['busy_share']:.0%} of the time)")
        print("     self by package: " + ", ".join(f"{n} {s:.0%}" for n, s in prof["self_by_package"][:8]))
        if prof.get("stages") and name.startswith("rasa"):
            print("     stages (inclusive): " + ", ".join(f"{n} {s:.0%}" for n, s in prof["stages"].items()))
        print("     inclusive by function: " + "; ".join(f"{n} {s:.0%}" for n, s in prof["inclusive_by_function"][:8]))


def cpu_table(results: Dict[str, Dict[str, Any]]) -> str:
    names = list(results)
    rows: List[str] = []
    comps: List[str] = []
    for r in results.values():
        for c in (r.get("cpu") or {}).get("cpu_ms_per_turn") or {}:
            if c not in comps:
                comps.append(c)
    rows.append(f"{'CPU ms / turn':<14}" + "".join(f" | {n:>12}" for n in names))
    for c in comps:
        rows.append(f"{c:<14}" + "".join(
            f" | {str(((results[n].get('cpu') or {}).get('cpu_ms_per_turn') or {}).get(c, '-')):>12}" for n in names))
    for label, key in (("client cores", "cores_client"), ("others cores", "cores_others"),
                       ("machine cores", "cores_busy_machine")):
        rows.append(f"{label:<14}" + "".join(f" | {str((results[n].get('cpu') or {}).get(key, '-')):>12}" for n in names))
    rows.append(f"{'load before':<14}" + "".join(
        f" | {str(results[n]['machine_before']['loadavg'][0]):>12}" for n in names))
    return "\n".join(rows)


def verdict(results: Dict[str, Dict[str, Any]], args: argparse.Namespace) -> Dict[str, Any]:
    full = args.users >= FULL_USERS and args.seconds >= FULL_SECONDS
    out: Dict[str, Any] = {}
    for name, r in results.items():
        if "turns" not in r:
            out[name] = {"ran": False}
            continue
        if args.saturation:
            out[name] = {"target": f">= {TARGET_TURNS_PER_S:g} turns/s without pauses",
                         "turns_per_s": r["turns_per_s"], "met": bool(r["turns_per_s"] >= TARGET_TURNS_PER_S)}
        else:
            p95 = r["all"]["p95_ms"]
            out[name] = {"target": f"0 errors and p95 <= {TARGET_P95_MS:g} ms with {FULL_USERS} users for "
                                   f"{FULL_SECONDS // 60} min",
                         "errors": r["errors"], "p95_ms": p95,
                         "met": bool(r["errors"] == 0 and p95 is not None and p95 <= TARGET_P95_MS) if full else None,
                         "note": None if full else "shorter or smaller than the target's run: not judged"}
    return out


# ---- main --------------------------------------------------------------------------------------------------

def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="bench/load/run.py", description=__doc__.split("\n\n")[0])
    p.add_argument("--users", type=int, default=None, help="concurrent conversations (default 50; 16 saturated)")
    p.add_argument("--minutes", type=float, default=None, help="measured time per mode (default 5)")
    p.add_argument("--seconds", type=float, default=None, help="measured time per mode, in seconds")
    p.add_argument("--saturation", action="store_true", help="no pauses between turns")
    p.add_argument("--quick", action="store_true", help="a 30-second smoke run of each mode")
    p.add_argument("--modes", default=",".join(MODES), help="default,production (either or both, in this order)")
    p.add_argument("--pause-min", type=float, default=1.0)
    p.add_argument("--pause-max", type=float, default=3.0)
    p.add_argument("--timeout", type=float, default=30.0, help="seconds before a turn counts as timed out")
    p.add_argument("--ramp", type=float, default=3.0, help="users start spread over this many seconds")
    p.add_argument("--seed", type=int, default=2026)
    p.add_argument("--journeys", type=Path, default=journeys_mod.JOURNEYS_FILE)
    p.add_argument("--profile", action="store_true", help="sample every Python service during the run (py-spy, else the in-process sampler)")
    p.add_argument("--py-spy", default=None, help="path of py-spy (default: on PATH)")
    p.add_argument("--save-trackers", type=int, default=0, metavar="N",
                   help="read N conversations' trackers (default 40) and keep them in --out (components.py --trackers)")
    p.add_argument("--out", type=Path, default=None, help="where turns and profiles go (default var/load/<time>)")
    args = p.parse_args(argv)
    if args.users is None:
        args.users = 16 if args.saturation else FULL_USERS
    if args.seconds is None:
        args.seconds = 30.0 if args.quick else 60 * (args.minutes if args.minutes is not None else 5)
    args.modes = [m.strip() for m in args.modes.split(",") if m.strip()]
    unknown = [m for m in args.modes if m not in MODES]
    if unknown or not args.modes:
        p.error(f"--modes: {unknown or 'none'}; choose from {', '.join(MODES)}")
    if args.users < 1 or args.seconds <= 0 or not 0 <= args.pause_min <= args.pause_max:
        p.error("users >= 1, a positive duration and 0 <= pause-min <= pause-max")
    return args


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    journeys = journeys_mod.load(args.journeys)
    out = args.out or ROOT / "var" / "load" / dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    out.mkdir(parents=True, exist_ok=True)
    py_spy = find_py_spy(args.py_spy) if args.profile else None
    if args.profile and not py_spy:
        print("--profile: py-spy not found; the services sample themselves (bench/load/sampler/)", flush=True)
    kind = "saturation" if args.saturation else ("quick" if args.quick else "paced")
    started = time.time()
    print(f"load test ({kind}): {args.users} users, {args.seconds:.0f} s per mode, modes {', '.join(args.modes)}, "
          f"journeys {args.journeys.name} ({len(journeys)}), out {out}", flush=True)
    load_start = loadavg()
    print(f"machine at the start: load average {load_start}", flush=True)
    from policybot.supervisor import prepare

    model = prepare()
    factories: Dict[str, Callable[[Path], Mode]] = {
        "default": lambda base: DefaultMode(model, base), "production": lambda base: ProductionMode(model, base)}
    results: Dict[str, Dict[str, Any]] = {}
    for name in args.modes:
        base = Path(tempfile.mkdtemp(prefix=f"load-{name}-"))
        try:
            results[name] = measure(factories[name](base), args, journeys, out, py_spy)
        except (RuntimeError, TimeoutError, subprocess.CalledProcessError) as exc:
            print(f"   {name}: could not run: {exc}", file=sys.stderr, flush=True)
            results[name] = {"mode": name, "failed": str(exc)[:500]}
        finally:
            shutil.rmtree(base, ignore_errors=True)
    measured = {n: r for n, r in results.items() if "turns" in r}
    if measured:
        print(f"\n== side by side ({kind}: {args.users} users, {args.seconds:.0f} s each, "
              f"{'no pauses' if args.saturation else f'pauses {args.pause_min:g}–{args.pause_max:g} s'}; ms)")
        print(table(measured))
        print()
        print(cpu_table(measured))
    targets = verdict(results, args)
    for name, v in targets.items():
        print(f"target {name}: {v}")
    figures = {"bench": "load", "kind": kind, "users": args.users, "seconds": args.seconds,
               "pause_s": None if args.saturation else [args.pause_min, args.pause_max], "timeout_s": args.timeout,
               "seed": args.seed, "git": git_state(), "loadavg_start": load_start,
               "wall_s": round(time.time() - started), "out": str(out), "targets": targets,
               "modes": {n: {k: v for k, v in r.items()} for n, r in results.items()}}
    (out / "figures.json").write_text(json.dumps(figures, ensure_ascii=False, indent=1), encoding="utf-8")
    print(json.dumps(figures, ensure_ascii=False))
    return 0 if measured else 1


if __name__ == "__main__":
    sys.exit(main())
