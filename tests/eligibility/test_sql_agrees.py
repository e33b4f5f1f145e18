"""Property: every compiled condition gives the same three-valued answer in Python and in SQL."""

from __future__ import annotations

import json
from typing import Any, Dict, List

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from eligibility.profiles.store import insert_profiles
from eligibility.rules.evaluate import evaluate
from eligibility.rules.fields import load_catalogue
from eligibility.rules.model import compile_node
from eligibility.rules.sqlcompile import to_sql
from eligibility.storage import tables as t
from eligibility.storage.db import Database
from eligibility.storage.migrations import migrate
from tests.eligibility.strategies import as_dict, nodes, profiles

CATALOGUE = load_catalogue()


def _check(db: Database, raw_nodes: List[Any], raw_profiles: List[Dict[str, Any]]) -> None:
    compiled = [compile_node(n, CATALOGUE) for n in raw_nodes]
    rows = [{"id": f"P{i:04d}", "kind": "enterprise", "name": "测试", "sources": {}, "values": p}
            for i, p in enumerate(raw_profiles)]
    with db.write() as conn:
        conn.execute(t.profiles.delete())
        insert_profiles(conn, rows, CATALOGUE)
    columns = [to_sql(node, t.profiles).label(f"c{i}") for i, node in enumerate(compiled)]
    with db.read() as conn:
        got = {r.id: r for r in conn.execute(sa.select(t.profiles.c.id, *columns))}
    for row, raw in zip(rows, raw_profiles):
        for i, node in enumerate(compiled):
            sql_value = getattr(got[row["id"]], f"c{i}")
            sql_value = None if sql_value is None else bool(sql_value)
            python_value = evaluate(node, as_dict(raw))
            assert sql_value == python_value, (
                f"condition {node!r}\nprofile {json.dumps(as_dict(raw), default=str, ensure_ascii=False)}\n"
                f"SQL {sql_value} vs Python {python_value}")


CASES = dict(deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])


@pytest.fixture(scope="module")
def sqlite_db(tmp_path_factory: pytest.TempPathFactory) -> Database:
    db = Database(f"sqlite:///{tmp_path_factory.mktemp('prop') / 'p.db'}")
    migrate(db)
    return db


@settings(max_examples=250, **CASES)
@given(raw_nodes=st.lists(nodes(), min_size=1, max_size=5), raw_profiles=st.lists(profiles, min_size=1, max_size=8))
def test_python_and_sqlite_agree(sqlite_db: Database, raw_nodes: List[Any], raw_profiles: List[Dict[str, Any]]) -> None:
    _check(sqlite_db, raw_nodes, raw_profiles)


@pytest.fixture(scope="module")
def pg_db(pg_url: str) -> Database:
    db = Database(pg_url)
    with db.write() as conn:
        conn.execute(sa.text("DROP SCHEMA public CASCADE"))
        conn.execute(sa.text("CREATE SCHEMA public"))
    migrate(db)
    return db


@pytest.mark.postgres
@settings(max_examples=120, **CASES)
@given(raw_nodes=st.lists(nodes(), min_size=1, max_size=5), raw_profiles=st.lists(profiles, min_size=1, max_size=8))
def test_python_and_postgres_agree(pg_db: Database, raw_nodes: List[Any], raw_profiles: List[Dict[str, Any]]) -> None:
    _check(pg_db, raw_nodes, raw_profiles)
