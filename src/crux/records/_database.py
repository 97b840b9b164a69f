"""Where the database is and how to connect to it.

SQLite by default: a file in the user's data directory, in WAL mode, with foreign keys
on and a busy timeout so concurrent writers wait instead of failing. ``CRUX_DATABASE_URL``
selects another database (``postgresql+psycopg://user@host/name`` for PostgreSQL).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url

URL_VARIABLE = "CRUX_DATABASE_URL"
BUSY_TIMEOUT_MS = 30_000


class DatabaseError(RuntimeError):
    """The database cannot be used as configured; the message says why and what to do."""


def default_path() -> Path:
    from platformdirs import user_data_path

    return user_data_path("crux", appauthor=False) / "crux.db"


def database_url(url: str | None = None) -> str:
    """The URL given, else ``CRUX_DATABASE_URL``, else the SQLite file in the user's data
    directory (its folder made when missing)."""
    chosen = url or os.environ.get(URL_VARIABLE)
    if chosen:
        try:
            parsed = make_url(chosen)
        except Exception:
            raise DatabaseError(
                f"{URL_VARIABLE}: {chosen!r} is not a database URL; e.g. "
                "sqlite:///path/crux.db or postgresql+psycopg://user@host/crux"
            ) from None
        if parsed.get_backend_name() not in ("sqlite", "postgresql"):
            raise DatabaseError(
                f"{URL_VARIABLE}: {parsed.get_backend_name()!r} is not supported; "
                "allowed: sqlite, postgresql"
            )
        return chosen
    path = default_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{path}"


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None  # SQLAlchemy's "begin" event starts transactions
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _sqlite_begin(conn: Any) -> None:
    # take the write lock at the start of a transaction, so two writers never both read
    # and then fail to upgrade (SQLite's "database is locked" under concurrent writes)
    conn.exec_driver_sql("BEGIN IMMEDIATE")


def make_engine(url: str | None = None, **options: Any) -> Engine:
    chosen = database_url(url)
    parsed = make_url(chosen)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database not in (None, "", ":memory:"):
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            chosen, connect_args={"check_same_thread": False}, **options
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    return create_engine(chosen, pool_pre_ping=True, **options)
