"""Fast bulk inserts for seeding and benchmarks (DB-API executemany / psycopg2 execute_values)."""

from __future__ import annotations

import datetime as dt
from itertools import islice
from typing import Any, Dict, Iterable, List

import sqlalchemy as sa
from sqlalchemy.engine import Connection

BATCH = 5000


def _sqlite_value(v: Any) -> Any:
    if isinstance(v, bool):
        return int(v)
    if isinstance(v, dt.datetime):
        return v.isoformat(sep=" ")
    if isinstance(v, dt.date):
        return v.isoformat()
    return v


def bulk_insert(conn: Connection, table: sa.Table, rows: Iterable[Dict[str, Any]]) -> int:
    names = [c.name for c in table.columns]
    dialect = conn.dialect.name
    cols = ", ".join(f'"{n}"' for n in names)
    count = 0
    it = iter(rows)
    raw = conn.connection  # the DB-API connection inside this transaction
    while True:
        batch: List[Dict[str, Any]] = list(islice(it, BATCH))
        if not batch:
            return count
        cur = raw.cursor()
        try:
            if dialect == "sqlite":
                marks = ", ".join("?" for _ in names)
                cur.executemany(f'INSERT INTO "{table.name}" ({cols}) VALUES ({marks})',
                                [tuple(_sqlite_value(r.get(n)) for n in names) for r in batch])
            elif dialect == "postgresql":
                from psycopg2.extras import execute_values

                execute_values(cur, f'INSERT INTO "{table.name}" ({cols}) VALUES %s',
                               [tuple(r.get(n) for n in names) for r in batch], page_size=1000)
            else:
                conn.execute(table.insert(), batch)
        finally:
            cur.close()
        count += len(batch)
