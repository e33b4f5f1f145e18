"""Fixtures: a throwaway PostgreSQL cluster (session), small corpora written on the fly, app clients."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List, Optional

import pytest
import yaml
from fastapi.testclient import TestClient

from eligibility.app import create_app
from eligibility.settings import Settings
from eligibility.storage.pgtemp import PostgresUnavailable, TempPostgres

TODAY = dt.date(2026, 11, 27)
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """A PostgreSQL server started from the Debian binaries in a temp dir, stopped at the end of the session.
    Missing PostgreSQL is a failure, not a skip."""
    try:
        server = TempPostgres("eligibility_test").start()
    except PostgresUnavailable as exc:
        pytest.fail(str(exc), pytrace=False)
    try:
        yield server.url
    finally:
        server.stop()


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
