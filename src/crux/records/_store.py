"""The store: one database, and a transaction per unit of work.

    store = Store.open()                 # CRUX_DATABASE_URL, else the SQLite file
    with store.transaction() as db:      # commits at the end, rolls back on any error
        people.create_person(db, actor, PersonIn(name="A. Person"))
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from crux.records._database import make_engine
from crux.records._migrate import current, head, upgrade


class Store:
    def __init__(self, engine: Engine):
        self.engine = engine
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    @classmethod
    def open(cls, url: str | None = None, migrate: bool = True) -> Store:
        """Connect (``url``, else ``CRUX_DATABASE_URL``, else the SQLite file in the user's
        data directory) and, unless told not to, migrate to the newest tables."""
        store = cls(make_engine(url))
        if migrate:
            store.upgrade()
        return store

    def upgrade(self) -> None:
        if current(self.engine) != head():
            upgrade(self.engine)

    @property
    def url(self) -> str:
        return self.engine.url.render_as_string(hide_password=True)

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        with self._sessions.begin() as session:
            yield session

    def close(self) -> None:
        self.engine.dispose()
