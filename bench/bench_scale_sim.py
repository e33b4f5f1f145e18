"""A discrete-event simulation of C concurrent conversations on N Rasa replicas (docs/SCALE.md, part A).

Each conversation alternates a think time (exponential, mean ``--think``) and a turn; a turn goes to a replica
(round robin, or every turn to replica 0: WeChat on one replica as today's nginx does) and waits there for the
replica's single event loop (FIFO, one turn at a time), then takes a service time drawn from a lognormal with the
measured mean Rasa CPU per turn (41.6 ms, bench/bench_scale_inputs.py) and ``--cv``. The rest of the turn (actions,
eligibility, PostgreSQL: ~19 ms of CPU on other processes, scaled out separately) is added as a constant. Prints
p50/p95/p99 per configuration and the fewest replicas that keep p95 under ``--p95-ms``, then one JSON line.

    .venv/bin/python bench/bench_scale_sim.py                       # 1,000 and 10,000 conversations, 20 s and 2.25 s
"""

from __future__ import annotations

import argparse
import heapq
import json
import math
import random
import sys
import time
from typing import Any, Dict, List, Optional, Sequence


def simulate(conversations: int, replicas: int, think_s: float, service_ms: float, cv: float, other_ms: float,
             seconds: float, seed: int, one_replica: bool = False) -> Dict[str, Any]:
    rng = random.Random(seed)
    sigma = math.sqrt(math.log(1 + cv * cv))
    mu = math.log(service_ms / 1000) - sigma * sigma / 2
    free_at = [0.0] * replicas
    events: List[tuple] = [(rng.expovariate(1 / think_s), c) for c in range(conversations)]
    heapq.heapify(events)
    latencies: List[float] = []
    busy = 0.0
    turn = 0
    warm = min(seconds / 5, 60.0)
    while events:
        at, conv = heapq.heappop(events)
        if at > seconds:
            break
        replica = 0 if one_replica else turn % replicas
        turn += 1
        service = rng.lognormvariate(mu, sigma)
        start = max(at, free_at[replica])
        free_at[replica] = start + service
        done = free_at[replica] + other_ms / 1000
        if at >= warm:
            latencies.append(done - at)
            busy += service
        heapq.heappush(events, (done + rng.expovariate(1 / think_s), conv))
    latencies.sort()
    n = len(latencies)

    def pct(p: float) -> float:
        return round(1000 * latencies[min(n - 1, int(p / 100 * n))], 1) if n else float("nan")

    window = seconds - warm
    return {"conversations": conversations, "replicas": replicas, "think_s": think_s, "one_replica": one_replica,
            "turns_per_s": round(n / window, 1), "utilisation": round(busy / window / (1 if one_replica else replicas), 2),
            "p50_ms": pct(50), "p95_ms": pct(95), "p99_ms": pct(99)}


def fewest(conversations: int, think_s: float, args: argparse.Namespace) -> Dict[str, Any]:
    """The fewest replicas with p95 within the target (a search upwards from the utilisation bound)."""
    rate = conversations / (think_s + (args.service_ms + args.other_ms) / 1000)
    n = max(1, math.ceil(rate * args.service_ms / 1000))
    while True:
        r = simulate(conversations, n, think_s, args.service_ms, args.cv, args.other_ms, args.seconds, args.seed)
        if r["p95_ms"] <= args.p95_ms:
            return r
        n = max(n + 1, int(n * 1.05))


def main(argv: Optional[Sequence[str]] = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--service-ms", type=float, default=41.6, help="mean Rasa CPU per turn (measured)")
    p.add_argument("--other-ms", type=float, default=18.8, help="rest of a turn's CPU, on other processes")
    p.add_argument("--cv", type=float, default=1.0, help="coefficient of variation of the service time")
    p.add_argument("--seconds", type=float, default=600.0, help="simulated seconds")
    p.add_argument("--p95-ms", type=float, default=500.0)
    p.add_argument("--seed", type=int, default=13)
    args = p.parse_args(argv)
    started = time.process_time()
    out: Dict[str, Any] = {"bench": "scale_sim", "service_ms": args.service_ms, "other_ms": args.other_ms, "cv": args.cv,
                           "p95_target_ms": args.p95_ms, "fewest": [], "wechat_one_replica": []}
    for conversations in (1000, 10000):
        for think in (20.0, 2.0):
            r = fewest(conversations, think, args)
            out["fewest"].append(r)
            print(f"{conversations:>6,} conversations, think {think:>4.1f} s: {r['turns_per_s']:>7.1f} turns/s, fewest replicas "
                  f"with p95 <= {args.p95_ms:.0f} ms: {r['replicas']:>3} (utilisation {r['utilisation']}, p50 "
                  f"{r['p50_ms']} ms, p95 {r['p95_ms']} ms, p99 {r['p99_ms']} ms)", flush=True)
    for conversations in (100, 200, 250, 300, 400):
        r = simulate(conversations, 1, 20.0, args.service_ms, args.cv, args.other_ms, args.seconds, args.seed,
                     one_replica=True)
        out["wechat_one_replica"].append(r)
        print(f"WeChat on one replica, {conversations} conversations at one turn per 20 s: {r['turns_per_s']} turns/s, "
              f"utilisation {r['utilisation']}, p50 {r['p50_ms']} ms, p95 {r['p95_ms']} ms", flush=True)
    out["cpu_s"] = round(time.process_time() - started, 1)
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
