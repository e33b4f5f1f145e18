"""Storage through SQLAlchemy 1.4 Core: SQLite (WAL) by default, PostgreSQL by URL."""
