"""A throwaway PostgreSQL cluster from Debian's binaries (tests and benchmarks): initdb in a temp dir,
pg_ctl on a free loopback port, running as the ``postgres`` user when we are root."""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from typing import List, Optional, Tuple


class PostgresUnavailable(RuntimeError):
    pass


_HANDED_OUT: set = set()


def _ephemeral_low() -> int:
    try:
        return int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768


def free_port() -> int:
    """A loopback port for a server we are about to start, below the kernel's ephemeral range.

    ``bind(0)`` hands out an ephemeral port, which the next outgoing connection of any process may take before
    our server binds it (a test stack opens dozens of connections while it starts). Ports below the ephemeral
    range are never handed to outgoing connections; a port is never handed out twice by this process. Under
    pytest-xdist each worker draws from its own block of the range (``_block``), so two workers never pick the
    same port between one's pick and its server's bind."""
    import random

    low, high = _block(20000, min(_ephemeral_low(), 32768) - 1)
    for _ in range(500):
        port = random.randint(low, high)
        if port in _HANDED_OUT:
            continue
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
        _HANDED_OUT.add(port)
        return port
    raise RuntimeError(f"no free loopback port between {low} and {high}")


def _block(low: int, high: int) -> Tuple[int, int]:
    """This process's share of ``low..high``: all of it, or, in pytest-xdist worker ``gwI`` of N
    (PYTEST_XDIST_WORKER, PYTEST_XDIST_WORKER_COUNT), the I-th of N equal blocks."""
    worker, count = os.environ.get("PYTEST_XDIST_WORKER", ""), os.environ.get("PYTEST_XDIST_WORKER_COUNT", "")
    if not (worker.startswith("gw") and worker[2:].isdigit() and count.isdigit() and int(count) > 1):
        return low, high
    size = (high - low + 1) // int(count)
    start = low + int(worker[2:]) % int(count) * size
    return start, start + size - 1


def pg_bindir() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not found:
        raise PostgresUnavailable("PostgreSQL is not installed: install Debian's `postgresql` package "
                                  "(apt-get install -y postgresql; it is listed in requirements/apt.txt).")
    return Path(found[-1]).parent


def _as_postgres(cmd: List[str]) -> List[str]:
    return ["runuser", "-u", "postgres", "--", *cmd] if os.geteuid() == 0 else cmd


class TempPostgres:
    def __init__(self, database: str = "eligibility"):
        self.database = database
        self.bindir = pg_bindir()
        self.base: Optional[Path] = None
        self.port = 0

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{self.database}"

    def _run(self, cmd: List[str]) -> None:
        done = subprocess.run(_as_postgres(cmd), capture_output=True, text=True)
        if done.returncode != 0:
            raise PostgresUnavailable(f"{' '.join(cmd[:1])} failed: {done.stderr or done.stdout}")

    def start(self) -> TempPostgres:
        self.base = Path(tempfile.mkdtemp(prefix="elig-pg-"))
        if os.geteuid() == 0:
            shutil.chown(self.base, "postgres", "postgres")
        self.port = free_port()
        data = self.base / "data"
        self._run([str(self.bindir / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8",
                   "--locale=C"])
        self._run([str(self.bindir / "pg_ctl"), "-D", str(data), "-l", str(self.base / "log"), "-w", "-t", "60", "-o",
                   f"-p {self.port} -k {self.base} -c listen_addresses=127.0.0.1 -c fsync=off "
                   "-c synchronous_commit=off -c shared_buffers=256MB", "start"])
        import sqlalchemy as sa

        admin = sa.create_engine(f"postgresql://postgres@127.0.0.1:{self.port}/postgres", isolation_level="AUTOCOMMIT")
        try:
            for attempt in range(50):
                try:
                    with admin.connect() as c:
                        c.execute(sa.text(f'CREATE DATABASE "{self.database}"'))
                    break
                except sa.exc.OperationalError:
                    if attempt == 49:
                        raise
                    time.sleep(0.2)
        finally:
            admin.dispose()
        return self

    def stop(self) -> None:
        if self.base is None:
            return
        subprocess.run(_as_postgres([str(self.bindir / "pg_ctl"), "-D", str(self.base / "data"), "-m", "fast", "-w",
                                     "stop"]), capture_output=True)
        shutil.rmtree(self.base, ignore_errors=True)
        self.base = None

    def __enter__(self) -> TempPostgres:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
