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
from typing import List, Optional


class PostgresUnavailable(RuntimeError):
    pass


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


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
        self.port = _free_port()
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
