"""Engine and session factory: SQLite tuned for several concurrent writers, anything else as is."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.ext.asyncio import create_async_engine as _create_async_engine

DEFAULT_URL = "sqlite+aiosqlite:///nextstep.db"
SQLITE_BUSY_TIMEOUT_MS = 15_000


def create_engine(
    url: str = DEFAULT_URL, *, sqlite_foreign_keys: bool = True, **kwargs: Any
) -> AsyncEngine:
    """An async engine for `url`; SQLite gets WAL, a 15 s busy timeout and BEGIN IMMEDIATE."""
    engine = _create_async_engine(url, **kwargs)
    if make_url(url).get_backend_name() == "sqlite":
        _tune_sqlite(engine, foreign_keys=sqlite_foreign_keys)
    return engine


def make_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    # expire_on_commit=False: objects stay readable after commit without implicit (async) IO.
    return async_sessionmaker(engine, expire_on_commit=False)


def _tune_sqlite(engine: AsyncEngine, *, foreign_keys: bool) -> None:
    # The pysqlite driver's own BEGIN is deferred: a transaction that reads then writes gets
    # SQLITE_BUSY at once (no busy wait) when another writer got in first. We take over BEGIN
    # and make it IMMEDIATE, so writers queue on busy_timeout instead ("database is locked").
    # https://docs.sqlalchemy.org/en/20/dialects/sqlite.html#serializable-isolation-savepoints-transactional-ddl
    sync_engine = engine.sync_engine

    @event.listens_for(sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute(f"PRAGMA foreign_keys={'ON' if foreign_keys else 'OFF'}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(sync_engine, "begin")
    def _on_begin(conn: Connection) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")
