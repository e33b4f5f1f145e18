"""Fixtures: a throwaway PostgreSQL cluster (session), small corpora written on the fly, app clients."""

from __future__ import annotations

import datetime as dt
import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List, Optional

import pytest
import yaml
from fastapi.testclient import TestClient

from eligibility.app import create_app
from eligibility.settings import Settings

TODAY = dt.date(2026, 11, 27)
ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _pg_bin() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not found:
        pytest.fail("PostgreSQL is not installed: the storage tests need Debian's `postgresql` package "
                    "(apt-get install -y postgresql; it is listed in requirements/apt.txt).", pytrace=False)
    return Path(found[-1]).parent


def _as_postgres(cmd: List[str]) -> List[str]:
    return ["runuser", "-u", "postgres", "--", *cmd] if os.geteuid() == 0 else cmd


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """A PostgreSQL server started from the Debian binaries in a temp dir, stopped at the end."""
    bindir = _pg_bin()
    base = Path(tempfile.mkdtemp(prefix="elig-pg-"))
    data = base / "data"
    if os.geteuid() == 0:
        shutil.chown(base, "postgres", "postgres")
    port = free_port()
    run = lambda cmd: subprocess.run(_as_postgres(cmd), check=True, capture_output=True, text=True)  # noqa: E731
    try:
        run([str(bindir / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C"])
        run([str(bindir / "pg_ctl"), "-D", str(data), "-l", str(base / "log"), "-w", "-t", "60", "-o",
             f"-p {port} -k {base} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off", "start"])
    except subprocess.CalledProcessError as exc:
        shutil.rmtree(base, ignore_errors=True)
        pytest.fail(f"could not start PostgreSQL: {exc.stderr or exc.stdout}", pytrace=False)
    import sqlalchemy as sa

    admin = sa.create_engine(f"postgresql://postgres@127.0.0.1:{port}/postgres", isolation_level="AUTOCOMMIT")
    for _ in range(50):
        try:
            with admin.connect() as c:
                c.execute(sa.text("CREATE DATABASE eligibility_test"))
            break
        except sa.exc.OperationalError:
            time.sleep(0.2)
    admin.dispose()
    yield f"postgresql://postgres@127.0.0.1:{port}/eligibility_test"
    subprocess.run(_as_postgres([str(bindir / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"]),
                   capture_output=True)
    shutil.rmtree(base, ignore_errors=True)


@pytest.fixture()
def fresh_pg(pg_url: str) -> Iterator[str]:
    """An empty schema in the shared test database for one test."""
    import sqlalchemy as sa

    engine = sa.create_engine(pg_url)
    with engine.begin() as c:
        c.execute(sa.text("DROP SCHEMA public CASCADE"))
        c.execute(sa.text("CREATE SCHEMA public"))
    engine.dispose()
    yield pg_url


def doc(doc_id: str, conditions: List[Any], *, audience: str = "enterprise", mode: str = "常规申报",
        complete: bool = True, window: Optional[Dict[str, Any]] = None, amount: Optional[float] = 10,
        formula: Optional[str] = None, category: str = "科技创新", materials: Optional[List[str]] = None,
        title: Optional[str] = None) -> Dict[str, Any]:
    """A valid knowledge document with the given conditions."""
    return {
        "id": doc_id, "kind": "policy", "title": title or f"测试政策{doc_id}", "issuer": "测试局", "level": "区级",
        "region": "龙华区", "category": category, "audience": audience, "summary": "用于测试的政策。",
        "articles": [{"heading": "第一条 支持对象", "text": f"测试政策{doc_id}的支持对象是符合条件的主体。"}],
        "conditions": conditions, "conditions_complete": complete,
        "benefit": {"text": "奖励测试金额。", "max_amount_wan": amount, "formula": formula},
        "materials": materials or [], "window": window or {"text": "以主管部门最新通知为准"}, "mode": mode,
        "faq": [{"q": f"问题{i}", "a": f"回答{i}"} for i in range(3)],
        "source_url": "https://example.gov.cn/p", "source_date": "2024-01-01", "source_quality": "gov",
    }


def write_corpus(root: Path, docs: List[Dict[str, Any]]) -> Path:
    for d in docs:
        folder = root / ("citizen" if d["audience"] == "citizen" else "enterprise")
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{d['id']}.yaml").write_text(yaml.safe_dump(d, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return root


def write_modes(path: Path, modes: List[Dict[str, Any]], windows: Optional[List[Dict[str, Any]]] = None) -> Path:
    path.write_text(yaml.safe_dump({"demonstration": True, "modes": modes, "windows": windows or []},
                                   allow_unicode=True), encoding="utf-8")
    return path


def settings_for(url: str, corpus: Path, modes: Path, **kw: Any) -> Settings:
    return Settings(database_url=url, corpus_dir=corpus, modes_path=modes, today=TODAY, **kw)


@pytest.fixture()
def make_client(tmp_path: Path) -> Callable[..., TestClient]:
    def build(url: Optional[str] = None, corpus: Optional[Path] = None, modes: Optional[Path] = None,
              **kw: Any) -> TestClient:
        settings = Settings(database_url=url or f"sqlite:///{tmp_path / 'e.db'}",
                            corpus_dir=corpus or ROOT / "knowledge" / "corpus",
                            modes_path=modes or ROOT / "eligibility" / "config" / "modes.yaml", today=TODAY, **kw)
        return TestClient(create_app(settings))

    return build


@pytest.fixture(scope="session")
def demo_client(tmp_path_factory: pytest.TempPathFactory) -> TestClient:
    """The real corpus and configuration with the seeded demo data account (SQLite file, WAL)."""
    db = tmp_path_factory.mktemp("demo") / "demo.db"
    return TestClient(create_app(Settings(database_url=f"sqlite:///{db}", today=TODAY)))
