"""Schema migrations: numbered steps recorded in ``schema_version``, then the field-column sync.

Versioned steps change the fixed tables. The data account's columns follow the field catalogue: a
field added to ``rules/fields.yaml`` with a ``source`` gets its column on the next start (ALTER TABLE
ADD COLUMN through Alembic's operations, which work on SQLite and PostgreSQL alike).
"""

from __future__ import annotations

import datetime as dt
from typing import Callable, List, Tuple

import sqlalchemy as sa
from alembic.migration import MigrationContext
from alembic.operations import Operations
from sqlalchemy.engine import Connection

from eligibility.storage import tables as t
from eligibility.storage.db import Database


def _initial(conn: Connection, ops: Operations) -> None:
    t.metadata.create_all(conn, checkfirst=True)


def _grant_and_ticket_indexes(conn: Connection, ops: Operations) -> None:
    ops.create_index("ix_grants_policy_status", "grants", ["policy_id", "status"])
    ops.create_index("ix_tickets_kind_due", "tickets", ["kind", "due_date"])


def _subscriptions(conn: Connection, ops: Operations) -> None:
    t.subscriptions.create(conn, checkfirst=True)  # a fresh database already has it from step 1


def _identity_and_trust(conn: Connection, ops: Operations) -> None:
    """Staff, bindings, login sessions, one-time codes, the outbox and the append-only audit log."""
    for table in (t.staff_users, t.bindings, t.login_sessions, t.otp_challenges, t.outbox, t.audit_log):
        table.create(conn, checkfirst=True)
    if "mobile" not in {c["name"] for c in sa.inspect(conn).get_columns("profiles")}:
        ops.add_column("profiles", sa.Column("mobile", sa.String(20), nullable=True))
    from eligibility.profiles.generator import demo_mobile

    ids = conn.execute(sa.select(t.profiles.c.id).where(t.profiles.c.mobile.is_(None))).scalars().all()
    for pid in ids:
        conn.execute(t.profiles.update().where(t.profiles.c.id == pid).values(mobile=demo_mobile(pid)))
    # append-only: the database itself refuses to change or remove an audit entry
    if conn.dialect.name == "sqlite":
        for verb in ("UPDATE", "DELETE"):
            conn.exec_driver_sql(
                f"CREATE TRIGGER IF NOT EXISTS audit_log_no_{verb.lower()} BEFORE {verb} ON audit_log "
                "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END")
    elif conn.dialect.name == "postgresql":
        conn.exec_driver_sql(
            "CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger AS $$ "
            "BEGIN RAISE EXCEPTION 'audit_log is append-only'; END $$ LANGUAGE plpgsql")
        conn.exec_driver_sql("DROP TRIGGER IF EXISTS audit_log_append_only ON audit_log")
        conn.exec_driver_sql("CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log "
                             "FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()")


def _bundle_submissions(conn: Connection, ops: Operations) -> None:
    t.bundle_submissions.create(conn, checkfirst=True)  # a fresh database already has it from step 1


def _console_and_handoff(conn: Connection, ops: Operations) -> None:
    """Live handoff columns on tickets, operators' messages, and the question log of the knowledge-gap view."""
    have = {c["name"] for c in sa.inspect(conn).get_columns("tickets")}
    for column in (sa.Column("channel", sa.String(20), nullable=True),
                   sa.Column("live", sa.Boolean(create_constraint=False), nullable=False, server_default=sa.false()),
                   sa.Column("claimed_at", sa.DateTime, nullable=True),
                   sa.Column("closed_at", sa.DateTime, nullable=True)):
        if column.name not in have:
            ops.add_column("tickets", column)
    if "ix_tickets_kind_status_created" not in {i["name"] for i in sa.inspect(conn).get_indexes("tickets")}:
        ops.create_index("ix_tickets_kind_status_created", "tickets", ["kind", "status", "created_at"])
    t.handoff_messages.create(conn, checkfirst=True)
    t.question_log.create(conn, checkfirst=True)
    # reminders and 免申即享 notices to the user's conversation (channel "chat"): a conversation id as the
    # recipient, the policy it is about, and when to try again
    have = {c["name"] for c in sa.inspect(conn).get_columns("outbox")}
    for column in (sa.Column("policy_id", sa.String(16), nullable=True),
                   sa.Column("next_attempt_at", sa.DateTime, nullable=True)):
        if column.name not in have:
            ops.add_column("outbox", column)
    if conn.dialect.name != "sqlite":  # SQLite does not enforce a VARCHAR length
        ops.alter_column("outbox", "recipient", type_=sa.String(80), existing_type=sa.String(40),
                         existing_nullable=False)


MIGRATIONS: List[Tuple[int, str, Callable[[Connection, Operations], None]]] = [
    (1, "initial tables", _initial),
    (2, "indexes for grants by policy and tickets by due date", _grant_and_ticket_indexes),
    (3, "subscriptions to application-window reminders", _subscriptions),
    (4, "identity and trust: staff, bindings, one-time codes, outbox, audit log, data-account mobiles",
     _identity_and_trust),
    (5, "一件事一次办: bundle submissions linking a bundle's applications", _bundle_submissions),
    (6, "12345 console: live handoff on tickets, operators' messages, question log, chat messages in the outbox",
     _console_and_handoff),
]


def applied_versions(conn: Connection) -> List[int]:
    if not sa.inspect(conn).has_table("schema_version"):
        return []
    return [r[0] for r in conn.execute(sa.select(t.schema_version.c.version))]


def sync_field_columns(conn: Connection, ops: Operations) -> List[str]:
    existing = {c["name"] for c in sa.inspect(conn).get_columns("profiles")}
    added = []
    for column in t.profiles.columns:
        if column.name not in existing:
            ops.add_column("profiles", sa.Column(column.name, column.type, nullable=True))
            added.append(column.name)
    return added


def migrate(db: Database) -> List[str]:
    """Bring the database to the current schema; return what was done."""
    done: List[str] = []
    with db.write() as conn:
        t.schema_version.create(conn, checkfirst=True)
        have = set(applied_versions(conn))
        ops = Operations(MigrationContext.configure(conn))
        for version, description, step in MIGRATIONS:
            if version in have:
                continue
            step(conn, ops)
            conn.execute(t.schema_version.insert().values(
                version=version, description=description, applied_at=dt.datetime.utcnow()))
            done.append(f"{version}: {description}")
        added = sync_field_columns(conn, ops)
        if added:
            done.append(f"added field columns: {', '.join(added)}")
    return done
