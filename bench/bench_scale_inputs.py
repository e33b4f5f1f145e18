"""The per-process inputs of docs/SCALE.md, measured while bench/load/run.py loads a stack.

Runs ``bench/load/run.py`` (arguments after ``--`` are passed to it; default: the production profile, 50 users
pausing 1–3 s, 90 s) and, while it runs, every ``--every`` seconds:

- RSS and PSS of every process of the stack it started, grouped by service (rasa, actions, eligibility with its
  workers, postgres with its backends, redis, nginx, idp): the peak and the last sample per group and per process;
- the Rasa tracker store in PostgreSQL (the ``rasa`` database of the stack's cluster): events, user messages
  (turns), conversations, bytes of the ``events`` table with its indexes and TOAST;
- Redis' ``INFO commandstats`` (the lock store's commands), to count lock operations per turn.

Then, in a fresh process, the resident memory of the search index (FAISS + BM25 + embedder) loaded as the action
server loads it. Prints every figure and a final line with one JSON object.

    .venv/bin/python bench/bench_scale_inputs.py                       # production, 50 users, 1–3 s, 90 s
    .venv/bin/python bench/bench_scale_inputs.py -- --modes production --users 50 --seconds 90 \
        --pause-min 15 --pause-max 25                                  # a realistic pace
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any, Dict, Optional, Sequence

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import psutil  # noqa: E402

DEFAULT_LOAD = ["--modes", "production", "--users", "50", "--seconds", "90"]
MB = 1024 * 1024


def classify(proc: psutil.Process, parents: Dict[int, str]) -> Optional[str]:
    """The service a process of the stack belongs to (a child inherits its parent's service)."""
    try:
        cmd = proc.cmdline()
        name = proc.name()
    except (psutil.NoSuchProcess, psutil.AccessDenied):
        return None
    joined = " ".join(cmd)
    if name.startswith("postgres") or "/postgresql/" in joined and "bin/postgres" in joined:
        return "postgres"
    if name.startswith("redis-server"):
        return "redis"
    if name == "nginx" or joined.startswith("nginx"):
        return "nginx"
    if "-m" in cmd:
        module = cmd[cmd.index("-m") + 1] if cmd.index("-m") + 1 < len(cmd) else ""
        if module == "rasa":
            return "rasa"
        if module == "actions.server":
            return "actions"
        if module == "eligibility":
            return "eligibility"
        if module == "idp":
            return "idp"
    try:
        parent = proc.ppid()
    except psutil.NoSuchProcess:
        return None
    return parents.get(parent)


def _pss(proc: psutil.Process) -> Optional[int]:
    try:
        text = Path(f"/proc/{proc.pid}/smaps_rollup").read_text()
    except OSError:
        return None
    found = re.search(r"^Pss:\s+(\d+) kB", text, re.M)
    return int(found.group(1)) * 1024 if found else None


def _port(proc: psutil.Process) -> Optional[int]:
    """The TCP port a server process listens on (redis-server rewrites its command line)."""
    try:
        conns = getattr(proc, "net_connections", proc.connections)(kind="tcp")
        found = [c.laddr.port for c in conns if c.status == psutil.CONN_LISTEN]
    except (psutil.NoSuchProcess, psutil.AccessDenied):
        return None
    return found[0] if found else None


class Sampler:
    def __init__(self, root_pid: int, every: float) -> None:
        self.root = root_pid
        self.every = every
        self.peak: Dict[str, Dict[str, int]] = {}
        self.last: Dict[str, Any] = {}
        self.per_process_peak: Dict[str, int] = {}
        self.tracker: Dict[str, Any] = {}
        self.redis: Dict[str, Any] = {}
        self.redis_first: Dict[str, Any] = {}
        self.tracker_first: Dict[str, Any] = {}
        self.pg_port: Optional[int] = None
        self.redis_port: Optional[int] = None
        self._stop = threading.Event()
        self.thread = threading.Thread(target=self._loop, daemon=True)

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self._stop.set()
        self.thread.join(timeout=30)

    def _loop(self) -> None:
        while not self._stop.wait(self.every):
            try:
                self.sample()
            except Exception as exc:  # noqa: BLE001 - a failed sample (the stack stopping) is skipped
                print(f"   (sample skipped: {type(exc).__name__}: {str(exc)[:120]})", flush=True)

    def sample(self) -> None:
        try:
            root = psutil.Process(self.root)
            procs = root.children(recursive=True)
        except psutil.NoSuchProcess:
            return
        procs.sort(key=lambda p: p.pid)
        service: Dict[int, str] = {}
        groups: Dict[str, Dict[str, int]] = {}
        # parents before children: psutil lists a tree breadth-first-ish; two passes settle inheritance
        for _ in range(2):
            for p in procs:
                found = classify(p, service)
                if found:
                    service[p.pid] = found
        for p in procs:
            name = service.get(p.pid)
            if not name:
                continue
            try:
                rss = p.memory_info().rss
            except (psutil.NoSuchProcess, psutil.AccessDenied):
                continue
            pss = _pss(p) or rss
            g = groups.setdefault(name, {"processes": 0, "rss": 0, "pss": 0})
            g["processes"] += 1
            g["rss"] += rss
            g["pss"] += pss
            key = f"{name}:{p.pid}"
            self.per_process_peak[key] = max(self.per_process_peak.get(key, 0), rss)
            if name == "postgres" and self.pg_port is None:
                self.pg_port = _port(p)
            if name == "redis" and self.redis_port is None:
                self.redis_port = _port(p)
        for name, g in groups.items():
            peak = self.peak.setdefault(name, {"rss": 0, "pss": 0, "processes": 0})
            for k in ("rss", "pss", "processes"):
                peak[k] = max(peak[k], g[k])
        if groups:
            self.last = {"at": time.time(), **groups}
        tracker = self._tracker()
        redis_stats = self._redis()
        if tracker and redis_stats is not None:
            if not self.tracker_first:
                self.tracker_first, self.redis_first = tracker, redis_stats
            self.tracker, self.redis = tracker, redis_stats

    def _tracker(self) -> Dict[str, Any]:
        if not self.pg_port:
            return {}
        import sqlalchemy as sa

        engine = sa.create_engine(f"postgresql://postgres@127.0.0.1:{self.pg_port}/rasa")
        try:
            with engine.connect() as conn:
                if not conn.execute(sa.text("SELECT to_regclass('events')")).scalar():
                    return {}
                row = conn.execute(sa.text(
                    "SELECT count(*), count(*) FILTER (WHERE type_name = 'user'), count(DISTINCT sender_id), "
                    "pg_total_relation_size('events'), coalesce(sum(pg_column_size(data)), 0) FROM events")).one()
                elig = conn.execute(sa.text("SELECT pg_database_size('eligibility')")).scalar()
            return {"events": int(row[0]), "user_turns": int(row[1]), "conversations": int(row[2]),
                    "events_table_bytes": int(row[3]), "event_data_bytes": int(row[4]),
                    "eligibility_db_bytes": int(elig or 0)}
        except sa.exc.SQLAlchemyError as exc:
            print(f"   (tracker store not read: {str(exc).splitlines()[0][:160]})", flush=True)
            return {}
        finally:
            engine.dispose()

    def _redis(self) -> Optional[Dict[str, Any]]:
        if not self.redis_port:
            return None
        import redis

        try:
            client = redis.Redis(host="127.0.0.1", port=self.redis_port, socket_timeout=2)
            stats = client.info("commandstats")
            memory = client.info("memory")
            keys = client.dbsize()
        except redis.RedisError:
            return None
        calls = {k.replace("cmdstat_", ""): int(v["calls"]) for k, v in stats.items()}
        return {"calls": calls, "used_memory": int(memory.get("used_memory", 0)), "keys": int(keys)}


def index_memory() -> Dict[str, Any]:
    """RSS of a fresh process before and after loading the search index as the action server does."""
    code = (
        "import json, os, psutil, time\n"
        "from pathlib import Path\n"
        "p = psutil.Process()\n"
        "import faiss, numpy\n"
        "from search.base import load_knowledge_base\n"
        "before = p.memory_info().rss\n"
        "t = time.process_time()\n"
        "kb = load_knowledge_base(Path('var/index'))\n"
        "loaded = p.memory_info().rss\n"
        "from search.dense import DenseIndex\n"
        "import glob\n"
        "faiss_files = [f for f in glob.glob('var/index/**', recursive=True) if f.endswith(('.faiss', '.index'))]\n"
        "b2 = p.memory_info().rss\n"
        "dense = [DenseIndex.load(Path(f)) for f in faiss_files]\n"
        "after_dense = p.memory_info().rss\n"
        "ntotal = sum(d.index.ntotal for d in dense if hasattr(d, 'index'))\n"
        "files = {str(f.relative_to('var/index')): f.stat().st_size for f in Path('var/index').rglob('*') if f.is_file()}\n"
        "print(json.dumps({'rss_before_mb': before / 2**20, 'rss_after_kb_mb': loaded / 2**20,"
        " 'kb_delta_mb': (loaded - before) / 2**20, 'faiss_files': faiss_files,"
        " 'faiss_again_delta_mb': (after_dense - b2) / 2**20, 'faiss_vectors': ntotal,"
        " 'load_cpu_s': time.process_time() - t, 'index_files_bytes': files}))\n")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=600,
                          env={**os.environ, "PYTHONPATH": str(ROOT), "HF_HUB_OFFLINE": "1"})
    if done.returncode != 0:
        return {"error": done.stderr[-500:]}
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def main(argv: Optional[Sequence[str]] = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    load_args = argv[argv.index("--") + 1:] if "--" in argv else list(DEFAULT_LOAD)
    own = argv[:argv.index("--")] if "--" in argv else argv
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--every", type=float, default=5.0, help="seconds between samples")
    parser.add_argument("--no-index", action="store_true", help="skip the index memory measurement")
    args = parser.parse_args(own)
    started = time.time()
    cpu0 = psutil.cpu_times()
    print(f"load average at the start: {[round(x, 2) for x in os.getloadavg()]} on {os.cpu_count()} cores", flush=True)
    cmd = [sys.executable, str(ROOT / "bench" / "load" / "run.py"), *load_args]
    print("running: " + " ".join(cmd[1:]), flush=True)
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})
    sampler = Sampler(proc.pid, args.every)
    sampler.start()
    last_json: Dict[str, Any] = {}
    assert proc.stdout is not None
    for line in proc.stdout:
        if line.startswith("{") and line.rstrip().endswith("}"):
            try:
                last_json = json.loads(line)
                continue
            except json.JSONDecodeError:
                pass
        print("   | " + line.rstrip()[:300], flush=True)
    proc.wait()
    sampler.stop()
    cpu1 = psutil.cpu_times()
    busy = (sum(cpu1) - cpu1.idle - getattr(cpu1, "iowait", 0)) - (sum(cpu0) - cpu0.idle - getattr(cpu0, "iowait", 0))
    out: Dict[str, Any] = {"bench": "scale_inputs", "load_args": load_args, "wall_s": round(time.time() - started),
                           "machine_cores_busy_mean": round(busy / max(1.0, time.time() - started), 2),
                           "loadavg_end": [round(x, 2) for x in os.getloadavg()]}
    modes = (last_json.get("modes") or {})
    for name, r in modes.items():
        if "turns" not in r:
            out.setdefault("modes", {})[name] = {"failed": r.get("failed")}
            continue
        users, seconds = last_json.get("users") or 0, r.get("window_s") or last_json.get("seconds") or 0
        out.setdefault("modes", {})[name] = {
            "users": users, "window_s": seconds, "turns": r["turns"], "turns_per_s": r["turns_per_s"],
            "turns_per_conversation_per_min": round(r["turns"] / users / (seconds / 60), 2) if users and seconds else None,
            "p50_ms": (r.get("all") or {}).get("p50_ms"), "p95_ms": (r.get("all") or {}).get("p95_ms"),
            "errors": r.get("errors"), "cpu": r.get("cpu"), "actions_per_turn": r.get("actions_per_turn")}
    out["memory_peak_mb"] = {k: {"rss": round(v["rss"] / MB, 1), "pss": round(v["pss"] / MB, 1),
                                 "processes": v["processes"]} for k, v in sampler.peak.items()}
    out["memory_peak_per_process_mb"] = {k: round(v / MB, 1) for k, v in sorted(sampler.per_process_peak.items())}
    tr, tr0 = sampler.tracker, sampler.tracker_first
    if tr:
        out["tracker_store"] = {**tr, "bytes_per_conversation": round(tr["events_table_bytes"] / max(1, tr["conversations"])),
                                "bytes_per_turn": round(tr["events_table_bytes"] / max(1, tr["user_turns"])),
                                "events_per_turn": round(tr["events"] / max(1, tr["user_turns"]), 1),
                                "turns_per_conversation": round(tr["user_turns"] / max(1, tr["conversations"]), 1)}
    rd, rd0 = sampler.redis, sampler.redis_first
    if rd and tr:
        total = {k: v for k, v in rd["calls"].items() if k not in ("info", "dbsize", "ping", "client|setinfo",
                                                                      "client", "config|get", "hello")}
        turns = max(1, tr["user_turns"])
        out["redis"] = {"calls": total, "calls_per_turn": {k: round(v / turns, 2) for k, v in total.items()},
                        "all_per_turn": round(sum(total.values()) / turns, 2), "used_memory_mb": round(rd["used_memory"] / MB, 2),
                        "keys": rd["keys"]}
        if rd0 and tr0 and tr["user_turns"] > tr0["user_turns"]:
            dturns = tr["user_turns"] - tr0["user_turns"]
            delta = {k: v - rd0["calls"].get(k, 0) for k, v in total.items()}
            out["redis"]["steady_per_turn"] = round(sum(delta.values()) / dturns, 2)
            out["redis"]["steady_turns"] = dturns
    if not args.no_index:
        out["index_memory"] = index_memory()
    print("\n== inputs for docs/SCALE.md")
    for name, m in (out.get("modes") or {}).items():
        print(f"[{name}] {m}")
    print("memory (peak, MB, summed per service):", out["memory_peak_mb"])
    print("memory (peak RSS per process, MB):", out["memory_peak_per_process_mb"])
    print("tracker store:", out.get("tracker_store"))
    print("redis:", out.get("redis"))
    print("search index in one process:", out.get("index_memory"))
    print(f"machine: {out['machine_cores_busy_mean']} cores busy on average over the run ({os.cpu_count()} cores)")
    print(json.dumps(out, ensure_ascii=False))
    return 0 if out.get("modes") else 1


if __name__ == "__main__":
    sys.exit(main())
