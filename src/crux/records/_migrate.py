"""Alembic migrations, run from code (``crux db upgrade``, the tests, the server's start).

On SQLite a migration that changes a table rebuilds it (copy, drop, rename). With foreign
keys enforced, dropping the old table would cascade and delete every row that points to
it, so migrations run with enforcement off on their connection, and the foreign keys are
checked once the migration is done (any violation undoes it)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine

MIGRATIONS = Path(__file__).with_name("migrations")


class MigrationError(RuntimeError):
    """A migration left the database inconsistent; it was rolled back."""


def _config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def head() -> str:
    """The newest migration's revision."""
    (only,) = ScriptDirectory(str(MIGRATIONS)).get_heads()
    return only


def current(engine: Engine) -> str | None:
    """The revision the database is at (None when it has never been migrated)."""
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


@contextmanager
def migrating(engine: Engine) -> Iterator[Connection]:
    """A transaction for changing tables: on SQLite with foreign keys not enforced while
    it runs and checked before it commits."""
    with engine.connect() as conn:
        sqlite = conn.dialect.name == "sqlite"
        if sqlite:  # must be set outside a transaction, on the driver's connection
            conn.connection.dbapi_connection.execute("PRAGMA foreign_keys=OFF")  # type: ignore[union-attr]
        try:
            with conn.begin():
                yield conn
                if sqlite:
                    broken = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                    if broken:
                        raise MigrationError(f"the migration broke foreign keys: {broken[:5]}")
        finally:
            if sqlite:
                conn.connection.dbapi_connection.execute("PRAGMA foreign_keys=ON")  # type: ignore[union-attr]


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Migrate the database to ``revision`` (the newest by default)."""
    config = _config()
    with migrating(engine) as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, revision)


def downgrade(engine: Engine, revision: str) -> None:
    config = _config()
    with migrating(engine) as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, revision)


def write_revision(engine: Engine, message: str) -> None:
    """For developers: write a new migration from the difference between the models and
    the database at ``engine`` (which must be at the newest migration)."""
    config = _config()
    with migrating(engine) as conn:
        config.attributes["connection"] = conn
        command.revision(config, message=message, autogenerate=True)
