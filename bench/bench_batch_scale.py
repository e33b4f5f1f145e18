"""The 免申即享 batch for a province, on PostgreSQL partitions (issue 13, point 7; plan in docs/SCALE.md).

Generates N synthetic enterprises (the service's own generator, eligibility/profiles/generator.py), loads them
with COPY into ``province.profiles`` hash-partitioned by id on a throwaway cluster (eligibility/storage/pgtemp.py),
and runs the batch as designed for 10 million enterprises:

- ``province.grants``, ``province.notifications`` and ``province.outbox`` are partitioned by the same hash of the
  subject id, so every partition of the batch reads and writes one partition of each table and nothing else;
- one statement per partition evaluates every 免申即享 policy in one scan (the service's own condition compiler,
  ``eligibility.rules.sqlcompile.all_to_sql``, one boolean per policy in an array) and writes grants, notices and
  SMS with ``ON CONFLICT DO NOTHING`` on the grant's (policy, profile, period): idempotent;
- ``province.batch_parts`` holds one row per (period, partition); a worker claims a pending partition with
  ``FOR UPDATE SKIP LOCKED`` inside the partition's own transaction and marks it done in that transaction, so a
  worker that dies leaves its partition pending (rolled back, lock released) and a second run does only what is
  left: resumable.

Measured: per partition, rows, grants, wall time and the CPU time of the PostgreSQL backend that ran it
(``/proc/<pid>/stat``); in total, rows per second with ``--workers`` connections. Checked:

1. the same rows copied into the service's own unpartitioned schema and run through the service's own
   ``eligibility.services.grants.run`` give exactly the same (policy, enterprise) set (``--no-baseline`` skips it);
2. a random sample of enterprises through the service's matching (``eligibility.services.matching.match``,
   what ``POST /match`` answers): a grant exists exactly when the match says 符合条件;
3. resumability: the first run simulates a worker crash in ``--crash-parts`` partitions (after its inserts, before
   its commit); the second run finishes only those; running again creates nothing;
4. every grant sits in the partition of its enterprise (inserted into the child tables directly, PostgreSQL
   refuses a row outside the partition's bounds).

Finally extrapolates to ``--target`` enterprises (default 10,000,000) from the measured per-row costs.

    .venv/bin/python bench/bench_batch_scale.py                          # CI size: 100,000
    .venv/bin/python bench/bench_batch_scale.py --n 2000000 --partitions 32
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import shutil
import sys
import threading
import time
from pathlib import Path
from typing import Any, Dict, Iterable, Iterator, List, Optional, Sequence, Set, Tuple

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402
from sqlalchemy.dialects import postgresql  # noqa: E402

from eligibility.context import Context  # noqa: E402
from eligibility.profiles import generator  # noqa: E402
from eligibility.profiles.store import Profile, from_row, to_row  # noqa: E402
from eligibility.rules.policies import Policy  # noqa: E402
from eligibility.rules.sqlcompile import all_to_sql  # noqa: E402
from eligibility.services import grants as service_grants  # noqa: E402
from eligibility.services.matching import Filters, match  # noqa: E402
from eligibility.settings import Settings  # noqa: E402
from eligibility.storage import tables as t  # noqa: E402
from eligibility.storage.pgtemp import PostgresUnavailable, TempPostgres  # noqa: E402

TODAY = dt.date(2026, 11, 27)
PERIOD = "2026"
SCHEMA = "province"
CLK_TCK = os.sysconf("SC_CLK_TCK")


class SimulatedCrash(RuntimeError):
    pass


# ---- schema ---------------------------------------------------------------------------------------------

def partitioned_profiles(metadata: sa.MetaData) -> sa.Table:
    """``province.profiles``: the service's profile columns, in its order, hash-partitioned by id."""
    cols = [sa.Column(c.name, c.type, primary_key=c.primary_key, nullable=c.nullable) for c in t.profiles.columns]
    return sa.Table("profiles", metadata, *cols, schema=SCHEMA, postgresql_partition_by="HASH (id)")


def part_name(table: str, part: int) -> str:
    return f"{table}_p{part:03d}"


def create_schema(conn: sa.engine.Connection, partitions: int) -> sa.Table:
    metadata = sa.MetaData()
    profiles = partitioned_profiles(metadata)
    conn.execute(sa.text(f"CREATE SCHEMA {SCHEMA}"))
    metadata.create_all(conn)
    conn.execute(sa.text(f"""
        CREATE SEQUENCE {SCHEMA}.grant_ids CACHE 1000;
        CREATE TABLE {SCHEMA}.grants (
            id bigint NOT NULL DEFAULT nextval('{SCHEMA}.grant_ids'),
            policy_id varchar(16) NOT NULL, profile_id varchar(18) NOT NULL, period varchar(10) NOT NULL,
            status varchar(20) NOT NULL, amount_wan double precision, run_id varchar(40) NOT NULL,
            account_masked varchar(40), account_hash varchar(64), created_at timestamp NOT NULL,
            confirmed_at timestamp, paid_at timestamp,
            PRIMARY KEY (profile_id, id),
            CONSTRAINT uq_grants_policy_profile_period UNIQUE (policy_id, profile_id, period)
        ) PARTITION BY HASH (profile_id);
        CREATE TABLE {SCHEMA}.notifications (
            id bigserial, profile_id varchar(18) NOT NULL, kind varchar(20) NOT NULL, grant_id bigint,
            application_id varchar(40), policy_id varchar(16), title varchar(200) NOT NULL, body text NOT NULL,
            created_at timestamp NOT NULL, read_at timestamp,
            PRIMARY KEY (profile_id, id), UNIQUE (profile_id, grant_id)
        ) PARTITION BY HASH (profile_id);
        CREATE TABLE {SCHEMA}.outbox (
            id bigserial, channel varchar(12) NOT NULL, recipient varchar(200) NOT NULL,
            subject_id varchar(18) NOT NULL, purpose varchar(40) NOT NULL, body text NOT NULL,
            status varchar(12) NOT NULL, attempts integer NOT NULL, created_at timestamp NOT NULL,
            dedupe_key varchar(120),
            PRIMARY KEY (subject_id, id), UNIQUE (subject_id, dedupe_key)
        ) PARTITION BY HASH (subject_id);
        CREATE TABLE {SCHEMA}.batch_policies (
            k integer PRIMARY KEY, policy_id varchar(16) NOT NULL, amount_wan double precision,
            title varchar(200) NOT NULL, body text NOT NULL, sms text NOT NULL);
        CREATE TABLE {SCHEMA}.batch_parts (
            period varchar(10) NOT NULL, part integer NOT NULL, status varchar(12) NOT NULL DEFAULT 'pending',
            run_id varchar(40), rows_scanned bigint, grants bigint, seconds double precision,
            backend_cpu_s double precision, attempts integer NOT NULL DEFAULT 0, finished_at timestamp,
            PRIMARY KEY (period, part));
    """))
    for table in ("profiles", "grants", "notifications", "outbox"):
        for part in range(partitions):
            conn.execute(sa.text(f"CREATE TABLE {SCHEMA}.{part_name(table, part)} PARTITION OF {SCHEMA}.{table} "
                                 f"FOR VALUES WITH (MODULUS {partitions}, REMAINDER {part})"))
    return profiles


# ---- data -----------------------------------------------------------------------------------------------

def _copy_value(value: Any) -> str:
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat(sep=" ") if isinstance(value, dt.datetime) else value.isoformat()
    text = str(value)
    if any(ch in text for ch in "\\\t\n\r"):
        text = text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    return text


def profile_rows(n: int, seed: int, catalogue: Any, sample: int, rng: random.Random,
                 picked: List[str]) -> Iterator[str]:
    """COPY text lines for N generated enterprises, in the service's column order; reservoir-samples ids."""
    names = [c.name for c in t.profiles.columns]
    now = dt.datetime(2026, 11, 27, 2, 0)
    for i, r in enumerate(generator.enterprises(n, seed=seed, as_of=TODAY)):
        row: Dict[str, Any] = {"id": r["id"], "kind": r["kind"], "name": r["name"],
                               "sources": json.dumps(r["sources"]), "mobile": generator.demo_mobile(r["id"]),
                               "created_at": now, "updated_at": now}
        row.update(to_row(r["values"], catalogue))
        if len(picked) < sample:
            picked.append(r["id"])
        else:
            j = rng.randint(0, i)
            if j < sample:
                picked[j] = r["id"]
        yield "\t".join(_copy_value(row.get(name)) for name in names) + "\n"


class LineStream:
    """A file-like view of an iterator of lines for psycopg2's copy_expert (it calls ``read``)."""

    def __init__(self, lines: Iterable[str]) -> None:
        self.lines = iter(lines)
        self.buffer = ""

    def read(self, size: Optional[int] = -1) -> str:
        want = 1 << 16 if size is None or size < 0 else size
        while len(self.buffer) < want:
            try:
                self.buffer += next(self.lines)
            except StopIteration:
                break
        out, self.buffer = self.buffer[:want], self.buffer[want:]
        return out


def load_profiles(engine: sa.engine.Engine, n: int, seed: int, catalogue: Any, sample: int
                  ) -> Tuple[float, float, List[str]]:
    """COPY the generated enterprises into province.profiles; wall seconds, client CPU seconds, sample ids."""
    picked: List[str] = []
    rng = random.Random(seed + 1)
    cols = ", ".join(f'"{c.name}"' for c in t.profiles.columns)
    start, cpu = time.perf_counter(), time.process_time()
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        cur.copy_expert(f"COPY {SCHEMA}.profiles ({cols}) FROM STDIN",
                        LineStream(profile_rows(n, seed, catalogue, sample, rng, picked)))
        raw.commit()
    finally:
        raw.close()
    return time.perf_counter() - start, time.process_time() - cpu, picked


# ---- the batch ------------------------------------------------------------------------------------------

def grant_policies(ctx: Context) -> List[Policy]:
    return [p for p in ctx.policies.by_handling("免申即享") if p.conditions and p.audience == "enterprise"]


def policy_texts(policy: Policy) -> Tuple[str, str, str]:
    """The notice title, body and SMS exactly as eligibility.services.grants.run writes them."""
    doc = policy.doc
    title = f"您可享受“{doc.short_title or doc.title}”（免申即享）"
    body = (f"根据共享数据比对，您符合“{doc.title}”的条件，无需申请。{doc.benefit.text}"
            "请在消息中确认收款账户，确认后即按规定发放。")
    sms = (f"【政策通】您符合“{doc.short_title or doc.title}”（免申即享），无需申请。"
           "请在政策通中确认收款账户后发放。")
    return title, body, sms


def partition_statement(policies: Sequence[Policy], part: int) -> Tuple[str, Dict[str, Any]]:
    """One statement for one partition: every policy evaluated in one scan, grants, notices and SMS written."""
    metadata = sa.MetaData()
    child = partitioned_profiles(metadata).to_metadata(sa.MetaData(), name=part_name("profiles", part))
    flags = postgresql.array([sa.func.coalesce(all_to_sql(p.conditions, child), sa.false()) for p in policies])
    scan = sa.select(child.c.id, child.c.mobile, flags.label("ok")).where(child.c.kind == "enterprise")
    compiled = scan.compile(dialect=postgresql.dialect())
    params = dict(compiled.params)
    grants, notes, outbox = (f"{SCHEMA}.{part_name(x, part)}" for x in ("grants", "notifications", "outbox"))
    sql = f"""
        WITH flagged AS (  -- every row evaluated once; only those eligible for some policy (about 0.6 in 100) go on
            SELECT s.id, s.mobile, s.ok FROM ({compiled}) s WHERE true = ANY(s.ok)),
        hits AS (
            SELECT pol.policy_id, pol.amount_wan, pol.title, pol.body, pol.sms, f.id, f.mobile
            FROM flagged f CROSS JOIN LATERAL unnest(f.ok) WITH ORDINALITY AS u(ok, k)
            JOIN {SCHEMA}.batch_policies pol ON pol.k = u.k
            WHERE u.ok),
        new AS (
            INSERT INTO {grants} (policy_id, profile_id, period, status, amount_wan, run_id, created_at)
            SELECT policy_id, id, %(period)s, 'notified', amount_wan, %(run_id)s, %(now)s FROM hits
            ON CONFLICT (policy_id, profile_id, period) DO NOTHING
            RETURNING id, profile_id, policy_id),
        noted AS (
            INSERT INTO {notes} (profile_id, kind, grant_id, policy_id, title, body, created_at)
            SELECT new.profile_id, 'grant', new.id, new.policy_id, pol.title, pol.body, %(now)s
            FROM new JOIN {SCHEMA}.batch_policies pol ON pol.policy_id = new.policy_id
            RETURNING 1),
        sent AS (
            INSERT INTO {outbox} (channel, recipient, subject_id, purpose, body, status, attempts, created_at, dedupe_key)
            SELECT 'sms', hits.mobile, new.profile_id, 'grant', hits.sms, 'queued', 0, %(now)s,
                   'grant:' || new.id
            FROM new JOIN hits ON hits.id = new.profile_id AND hits.policy_id = new.policy_id
            WHERE hits.mobile IS NOT NULL
            RETURNING 1)
        SELECT (SELECT count(*) FROM new), (SELECT count(*) FROM noted), (SELECT count(*) FROM sent)"""
    return sql, params


def backend_cpu_s(pid: int, children: bool = False) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    own = int(fields[11]) + int(fields[12])  # utime, stime
    return (own + (int(fields[13]) + int(fields[14]) if children else 0)) / CLK_TCK  # + cutime, cstime


def cluster_cpu_s(server: TempPostgres) -> float:
    """CPU seconds of the whole cluster so far: the postmaster with its exited children, and every live one."""
    assert server.base is not None
    master = int((server.base / "data" / "postmaster.pid").read_text().split()[0])
    total = backend_cpu_s(master, children=True)
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if int(fields[1]) == master:
                total += (int(fields[11]) + int(fields[12])) / CLK_TCK
        except (OSError, ValueError, IndexError):
            continue
    return total


class Worker(threading.Thread):
    def __init__(self, url: str, policies: Sequence[Policy], run_id: str, crash_parts: Set[int],
                 name: str) -> None:
        super().__init__(name=name, daemon=True)
        self.url, self.policies, self.run_id, self.crash_parts = url, policies, run_id, crash_parts
        self.done: List[Dict[str, Any]] = []
        self.compile_s = 0.0
        self.crashed: List[int] = []
        self.error: Optional[BaseException] = None

    def run(self) -> None:
        import psycopg2

        conn = psycopg2.connect(self.url)
        try:
            cur = conn.cursor()
            cur.execute("SELECT pg_backend_pid()")
            pid = int(cur.fetchone()[0])
            conn.commit()
            while True:
                cur.execute(f"SELECT part FROM {SCHEMA}.batch_parts WHERE period = %s AND status = 'pending' "
                            "AND NOT (part = ANY(%s)) ORDER BY part LIMIT 1 FOR UPDATE SKIP LOCKED",
                            (PERIOD, list(self.crashed)))
                got = cur.fetchone()
                if got is None:
                    conn.rollback()
                    return
                part = int(got[0])
                began = time.perf_counter()
                sql, params = partition_statement(self.policies, part)  # client side: compiling the conditions
                self.compile_s += time.perf_counter() - began
                cur.execute(f"SELECT count(*) FROM {SCHEMA}.{part_name('profiles', part)}")  # reported, not timed
                scanned = int(cur.fetchone()[0])
                start, cpu = time.perf_counter(), backend_cpu_s(pid)
                now = dt.datetime.utcnow().replace(microsecond=0)
                cur.execute(sql, {**params, "period": PERIOD, "run_id": self.run_id, "now": now})
                grants, notes, sms = (int(x) for x in cur.fetchone())
                if part in self.crash_parts:
                    # a worker dying after its inserts and before its commit: the partition's transaction is lost
                    conn.rollback()
                    self.crashed.append(part)
                    continue
                seconds, used = time.perf_counter() - start, backend_cpu_s(pid) - cpu
                cur.execute(f"UPDATE {SCHEMA}.batch_parts SET status = 'done', run_id = %s, rows_scanned = %s, "
                            "grants = %s, seconds = %s, backend_cpu_s = %s, attempts = attempts + 1, "
                            "finished_at = now() WHERE period = %s AND part = %s",
                            (self.run_id, scanned, grants, seconds, used, PERIOD, part))
                conn.commit()
                self.done.append({"part": part, "rows": scanned, "grants": grants, "notices": notes, "sms": sms,
                                  "seconds": round(seconds, 3), "backend_cpu_s": round(used, 3)})
        except BaseException as exc:  # noqa: BLE001 - reported by the caller
            self.error = exc
            conn.rollback()
        finally:
            conn.close()


def run_batch(server: TempPostgres, policies: Sequence[Policy], workers: int, crash_parts: Set[int]
              ) -> Dict[str, Any]:
    run_id = f"PROV{random.Random(time.time()).getrandbits(40):010X}"
    url = server.url
    start, cluster = time.perf_counter(), cluster_cpu_s(server)
    threads = [Worker(url, policies, run_id, crash_parts, f"batch-{i}") for i in range(workers)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    wall = time.perf_counter() - start
    time.sleep(1.0)  # the workers' backends have exited: let the postmaster reap them (their CPU moves to it)
    cluster = cluster_cpu_s(server) - cluster
    errors = [repr(th.error) for th in threads if th.error]
    if errors:
        raise RuntimeError(f"batch worker failed: {errors}")
    parts = sorted((d for th in threads for d in th.done), key=lambda d: d["part"])
    crashed = sorted(p for th in threads for p in th.crashed)
    return {"run_id": run_id, "wall_s": round(wall, 2), "parts_done": len(parts), "parts_crashed": crashed,
            "rows": sum(p["rows"] for p in parts), "grants": sum(p["grants"] for p in parts),
            "notices": sum(p["notices"] for p in parts), "sms": sum(p["sms"] for p in parts),
            "backend_cpu_s": round(sum(p["backend_cpu_s"] for p in parts), 2), "cluster_cpu_s": round(cluster, 2),
            "client_compile_s": round(sum(th.compile_s for th in threads), 2), "per_partition": parts}


def setup_parts(engine: sa.engine.Engine, policies: Sequence[Policy], partitions: int) -> None:
    with engine.begin() as conn:
        conn.execute(sa.text(f"DELETE FROM {SCHEMA}.batch_policies"))
        for k, p in enumerate(policies, 1):
            title, body, sms = policy_texts(p)
            conn.execute(sa.text(f"INSERT INTO {SCHEMA}.batch_policies VALUES (:k, :id, :amount, :title, :body, :sms)"),
                         {"k": k, "id": p.id, "amount": p.doc.benefit.max_amount_wan, "title": title, "body": body,
                          "sms": sms})
        conn.execute(sa.text(f"INSERT INTO {SCHEMA}.batch_parts (period, part) SELECT :period, g "
                             "FROM generate_series(0, :last) g ON CONFLICT DO NOTHING"),
                     {"period": PERIOD, "last": partitions - 1})


# ---- checks ---------------------------------------------------------------------------------------------

def grant_set(conn: sa.engine.Connection, schema: str) -> Set[Tuple[str, str]]:
    rows = conn.execute(sa.text(f"SELECT policy_id, profile_id FROM {schema}.grants WHERE period = :p"), {"p": PERIOD})
    return {(r[0], r[1]) for r in rows}


def baseline(ctx: Context, engine: sa.engine.Engine, server: TempPostgres) -> Dict[str, Any]:
    """The same rows in the service's own schema, through the service's own grants.run."""
    start = time.perf_counter()
    with engine.begin() as conn:
        conn.execute(sa.text(f"INSERT INTO public.profiles SELECT * FROM {SCHEMA}.profiles"))
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(sa.text("ANALYZE public.profiles"))
    copy_s = time.perf_counter() - start
    cpu = cluster_cpu_s(server)
    run = service_grants.run(ctx, period=PERIOD)
    time.sleep(1.0)
    cpu = cluster_cpu_s(server) - cpu
    return {"copy_s": round(copy_s, 1), "grants_run_s": run["seconds"], "grants_created": run["grants_created"],
            "cluster_cpu_s": round(cpu, 2), "per_policy": run["policies"]}


def sample_check(engine: sa.engine.Engine, ctx: Context, ids: Sequence[str], seed: int) -> Dict[str, Any]:
    """For each sampled enterprise, the service's matching against the grants the batch wrote: the uniform sample
    (drawn while generating) and as many enterprises drawn from those with a grant (grants are rare: ~0.6%)."""
    wanted = {p.id for p in grant_policies(ctx)}
    mismatches: List[Dict[str, Any]] = []
    eligible = 0
    with engine.connect() as conn:
        conn.execute(sa.text("SELECT setseed(:s)"), {"s": (seed % 1000) / 1000})
        granted = list(conn.execute(sa.text(
            f"SELECT profile_id FROM (SELECT DISTINCT profile_id FROM {SCHEMA}.grants) g ORDER BY random() LIMIT :n"),
            {"n": len(ids)}).scalars())
        for pid in list(ids) + granted:
            row = conn.execute(sa.text(f"SELECT * FROM {SCHEMA}.profiles WHERE id = :id"), {"id": pid}).mappings().one()
            profile = Profile(id=row["id"], kind=row["kind"], name=row["name"],
                              verified=from_row(row, ctx.policies.catalogue), sources={})
            answer = match(ctx.policies, profile.values(TODAY), Filters(audience="enterprise", handling="免申即享"), TODAY)
            said = {r["policy_id"] for r in answer["results"] if r["status"] == "eligible" and r["policy_id"] in wanted}
            have = set(conn.execute(sa.text(f"SELECT policy_id FROM {SCHEMA}.grants WHERE profile_id = :id "
                                            "AND period = :p"), {"id": pid, "p": PERIOD}).scalars())
            eligible += len(said)
            if said != have:
                mismatches.append({"id": pid[-6:], "match": sorted(said), "grants": sorted(have)})
    return {"sampled": len(ids), "sampled_with_grants": len(granted), "eligible_pairs": eligible,
            "mismatches": len(mismatches),
            "examples": mismatches[:5]}


def sizes(conn: sa.engine.Connection) -> Dict[str, int]:
    out = {}
    for table in ("profiles", "grants", "notifications", "outbox"):
        out[table] = int(conn.execute(sa.text(
            "SELECT coalesce(sum(pg_total_relation_size(inhrelid)), 0) FROM pg_inherits "
            f"WHERE inhparent = '{SCHEMA}.{table}'::regclass")).scalar() or 0)
    return out


# ---- main -----------------------------------------------------------------------------------------------

def pct(xs: Sequence[float], p: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))] if xs else 0.0


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=100_000, help="enterprises to generate (default 100,000)")
    parser.add_argument("--partitions", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2, help="batch connections working in parallel")
    parser.add_argument("--sample", type=int, default=1000, help="enterprises checked against the matching")
    parser.add_argument("--crash-parts", type=int, default=2, help="partitions whose first attempt crashes")
    parser.add_argument("--target", type=int, default=10_000_000, help="extrapolate to this many enterprises")
    parser.add_argument("--no-baseline", action="store_true", help="skip the service's own grants.run check")
    parser.add_argument("--seed", type=int, default=99)
    args = parser.parse_args(argv)
    tmp = Path(os.environ.get("TMPDIR", "/tmp"))
    free_gb = shutil.disk_usage(tmp).free / 1e9
    need_gb = args.n * 2.2e-6 * (2 if not args.no_baseline else 1) + 1  # about 1.1 KB a row, with indexes
    print(f"免申即享 batch at {args.n:,} enterprises, {args.partitions} hash partitions, {args.workers} workers; "
          f"load average {[round(x, 2) for x in os.getloadavg()]} on {os.cpu_count()} cores; {free_gb:.0f} GB free "
          f"in {tmp} (about {need_gb:.1f} GB needed)", flush=True)
    if free_gb < need_gb + 5:
        print("not enough free disk for this size", file=sys.stderr)
        return 2
    out: Dict[str, Any] = {"bench": "batch_scale", "enterprises": args.n, "partitions": args.partitions,
                           "workers": args.workers, "cpus": os.cpu_count(),
                           "loadavg_start": [round(x, 2) for x in os.getloadavg()]}
    try:
        server = TempPostgres("province").start()
    except PostgresUnavailable as exc:
        print(f"not run: {exc}")
        print(json.dumps({**out, "error": str(exc)}))
        return 1
    try:
        ctx = Context(Settings(database_url=server.url, today=TODAY, seed_demo=False))
        ctx.migrate()
        policies = grant_policies(ctx)
        engine = ctx.db.engine
        with engine.begin() as conn:
            create_schema(conn, args.partitions)
        load_cluster = cluster_cpu_s(server)
        load_s, load_cpu, picked = load_profiles(engine, args.n, args.seed, ctx.policies.catalogue, args.sample)
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(sa.text(f"ANALYZE {SCHEMA}.profiles"))
            counts = [int(x) for x in conn.execute(sa.text(
                f"SELECT count(*) FROM {SCHEMA}.profiles GROUP BY tableoid ORDER BY 1")).scalars()]
        load_cluster = cluster_cpu_s(server) - load_cluster
        out["load"] = {"seconds": round(load_s, 1), "client_cpu_s": round(load_cpu, 1),
                       "cluster_cpu_s": round(load_cluster, 1),
                       "rows_per_s": round(args.n / load_s), "partition_rows_min": min(counts),
                       "partition_rows_max": max(counts)}
        print(f"generated and COPYed {args.n:,} enterprises in {load_s:.1f} s ({args.n / load_s:,.0f} rows/s; "
              f"generator CPU {load_cpu:.1f} s, PostgreSQL CPU {load_cluster:.1f} s); rows per partition {min(counts):,}–{max(counts):,}", flush=True)
        setup_parts(engine, policies, args.partitions)
        crash = set(random.Random(args.seed).sample(range(args.partitions), min(args.crash_parts, args.partitions)))
        first = run_batch(server, policies, args.workers, crash)
        second = run_batch(server, policies, args.workers, set())
        with engine.begin() as conn:  # done partitions run again on purpose: ON CONFLICT must create nothing
            conn.execute(sa.text(f"UPDATE {SCHEMA}.batch_parts SET status = 'pending' WHERE period = :p AND part < 2"),
                         {"p": PERIOD})
        third = run_batch(server, policies, args.workers, set())
        per = first["per_partition"] + second["per_partition"]
        rows = first["rows"] + second["rows"]
        cpu = first["backend_cpu_s"] + second["backend_cpu_s"]
        cluster = first["cluster_cpu_s"] + second["cluster_cpu_s"]
        part_s = sum(p["seconds"] for p in per)
        out["batch"] = {
            "first_run": {k: v for k, v in first.items() if k != "per_partition"},
            "resume_run": {k: v for k, v in second.items() if k != "per_partition"},
            "third_run": {k: v for k, v in third.items() if k != "per_partition"},
            "rows": rows, "grants": first["grants"] + second["grants"],
            "wall_s": round(first["wall_s"] + second["wall_s"], 2),
            "rows_per_s": round(rows / (first["wall_s"] + second["wall_s"])),
            "partition_seconds_sum": round(part_s, 2), "backend_cpu_s": round(cpu, 2),
            "backend_cpu_us_per_row": round(cpu / rows * 1e6, 2) if rows else None,
            "cluster_cpu_s": round(cluster, 2), "cluster_cpu_us_per_row": round(cluster / rows * 1e6, 2) if rows else None,
            "client_compile_s": round(first["client_compile_s"] + second["client_compile_s"], 2),
            "partition_wall_us_per_row": round(part_s / rows * 1e6, 2) if rows else None,
            "per_partition_rows_per_s_p50": round(pct([p["rows"] / p["seconds"] for p in per], 50)),
            "per_partition_rows_per_s_min": round(min(p["rows"] / p["seconds"] for p in per)),
            "per_partition_seconds_p50": round(pct([p["seconds"] for p in per], 50), 2),
            "per_partition_seconds_max": round(max(p["seconds"] for p in per), 2),
            "per_partition": per}
        b = out["batch"]
        print(f"batch: first run {first['parts_done']} partitions in {first['wall_s']} s, "
              f"{len(first['parts_crashed'])} crashed (simulated, rolled back: {first['parts_crashed']}); "
              f"resume run {second['parts_done']} partitions in {second['wall_s']} s; two done partitions run again "
              f"on purpose: {third['parts_done']} partitions, {third['grants']} new grants", flush=True)
        print(f"batch: {rows:,} rows, {b['grants']:,} grants (+ as many notices, {first['sms'] + second['sms']:,} SMS) "
              f"in {b['wall_s']} s with {args.workers} workers = {b['rows_per_s']:,} rows/s; PostgreSQL CPU "
              f"{cluster:.2f} s = {b['cluster_cpu_us_per_row']} µs a row (the batch backends alone "
              f"{b['backend_cpu_us_per_row']} µs); compiling the conditions {b['client_compile_s']} s client CPU; per partition p50 {b['per_partition_seconds_p50']} s"
              f" (max {b['per_partition_seconds_max']} s), {b['per_partition_rows_per_s_p50']:,} rows/s each", flush=True)
        checks: Dict[str, Any] = {}
        with engine.connect() as conn:
            dup = conn.execute(sa.text(f"SELECT count(*) FROM (SELECT policy_id, profile_id FROM {SCHEMA}.grants "
                                       "GROUP BY 1, 2 HAVING count(*) > 1) d")).scalar()
            attempts = dict(conn.execute(sa.text(
                f"SELECT attempts, count(*) FROM {SCHEMA}.batch_parts GROUP BY 1")).all())
            counts2 = conn.execute(sa.text(
                f"SELECT (SELECT count(*) FROM {SCHEMA}.grants), (SELECT count(*) FROM {SCHEMA}.notifications), "
                f"(SELECT count(*) FROM {SCHEMA}.outbox)")).one()
            out["bytes"] = sizes(conn)
            province = grant_set(conn, SCHEMA)
        checks["duplicate_grants"] = int(dup or 0)
        checks["grants_notices_sms"] = [int(x) for x in counts2]
        checks["partitions_by_attempts"] = {str(k): int(v) for k, v in attempts.items()}
        checks["third_run_grants"] = third["grants"]
        checks["all_partitions_done"] = first["parts_done"] + second["parts_done"] == args.partitions
        checks["rerun_parts"] = third["parts_done"]
        if not args.no_baseline:
            base = baseline(ctx, engine, server)
            with engine.connect() as conn:
                service = grant_set(conn, "public")
            base["same_grants_as_partitioned"] = service == province
            base["only_in_service"] = len(service - province)
            base["only_in_partitioned"] = len(province - service)
            base["service_over_partitioned_wall"] = round(base["grants_run_s"] / b["wall_s"], 2) if b["wall_s"] else None
            base["service_over_partitioned_cpu"] = round(base["cluster_cpu_s"] / cluster, 2) if cluster else None
            checks["service_grants_run"] = base
            print(f"the service's own grants.run over the same rows (unpartitioned, one transaction): "
                  f"{base['grants_run_s']} s, PostgreSQL CPU {base['cluster_cpu_s']} s, {base['grants_created']:,} grants; same (policy, enterprise) set as the "
                  f"partitioned batch: {base['same_grants_as_partitioned']} (only in service {base['only_in_service']}, "
                  f"only partitioned {base['only_in_partitioned']})", flush=True)
        start = time.perf_counter()
        checks["sample"] = sample_check(engine, ctx, picked, args.seed)
        checks["sample"]["seconds"] = round(time.perf_counter() - start, 1)
        print(f"sample of {checks['sample']['sampled']} enterprises at random and {checks['sample']['sampled_with_grants']}"
              " with a grant, through the service's matching: "
              f"{checks['sample']['eligible_pairs']} eligible (policy, enterprise) pairs, "
              f"{checks['sample']['mismatches']} mismatches with the grants", flush=True)
        out["checks"] = checks
        ok = (checks["duplicate_grants"] == 0 and checks["third_run_grants"] == 0 and checks["all_partitions_done"]
              and checks["rerun_parts"] == min(2, args.partitions)
              and checks["sample"]["mismatches"] == 0
              and (args.no_baseline or checks["service_grants_run"]["same_grants_as_partitioned"]))
        out["correct"] = ok
        out["extrapolation"] = extrapolate(args.target, args.n, out)
        e = out["extrapolation"]
        print(f"bytes: {out['bytes']} ({e['bytes_per_enterprise']} B an enterprise with its grants, notices, SMS)")
        print(f"extrapolated to {args.target:,}: load {e['load_s']:.0f} s, batch CPU {e['batch_cpu_s']:.0f} s "
              f"(PostgreSQL, {b['cluster_cpu_us_per_row']} µs a row) = {e['batch_wall_s_per_core_count']} s wall on "
              f"1/2/8/16 cores; {e['disk_gb']} GB on disk; {e['partitions_suggested']} partitions of ≈"
              f"{e['rows_per_partition']:,} rows", flush=True)
        print(f"correct: {ok}")
        ctx.db.dispose()
    finally:
        server.stop()
    out["loadavg_end"] = [round(x, 2) for x in os.getloadavg()]
    slim = {**out, "batch": {k: v for k, v in out.get("batch", {}).items() if k != "per_partition"}}
    print(json.dumps(slim, ensure_ascii=False))
    return 0 if out.get("correct") else 1


def extrapolate(target: int, n: int, out: Dict[str, Any]) -> Dict[str, Any]:
    """Linear in rows: per-row load time, per-row backend CPU of the batch, per-row bytes (see docs/SCALE.md)."""
    b = out["batch"]
    total_bytes = sum(out["bytes"].values())
    cpu_s = b["cluster_cpu_us_per_row"] * target / 1e6
    rows_per_partition = 150_000
    return {"target": target, "assumption": "cost linear in rows; partitions of about 150,000 rows stay in memory; "
                                            "one batch connection per core; same 5 policies",
            "load_s": round(out["load"]["seconds"] / n * target),
            "load_cpu_s": round((out["load"]["client_cpu_s"] + out["load"]["cluster_cpu_s"]) / n * target),
            "batch_cpu_s": round(cpu_s),
            "batch_wall_s_per_core_count": [round(cpu_s / c) for c in (1, 2, 8, 16)],
            "bytes_per_enterprise": round(total_bytes / n), "disk_gb": round(total_bytes / n * target / 1e9, 1),
            "rows_per_partition": rows_per_partition, "partitions_suggested": -(-target // rows_per_partition)}


if __name__ == "__main__":
    sys.exit(main())
