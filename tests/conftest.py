"""Shared test plumbing: which databases to run on, and skipping what is not running here.

Storage-touching tests ask for the `db_backend` fixture and run on SQLite always and on
PostgreSQL when one answers at POSTGRES_URL; `@pytest.mark.redis` tests need Redis. A server
that is not running makes its tests skip (the reason says so), never fail.
"""

from __future__ import annotations

import asyncio
import os
import socket
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from functools import cache
from pathlib import Path

import asyncpg  # type: ignore[import-untyped]
import pytest
from _pytest.mark import ParameterSet

POSTGRES_URL = os.environ.get(
    "NEXTSTEP_TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
)
REDIS_HOST, REDIS_PORT = "127.0.0.1", 6379


@cache
def postgres_skip_reason() -> str | None:
    """None when PostgreSQL answers at POSTGRES_URL, else why the postgres tests are skipped."""
    dsn = POSTGRES_URL.replace("postgresql+asyncpg://", "postgresql://")

    async def probe() -> None:
        conn = await asyncpg.connect(dsn, timeout=3)
        await conn.close()

    try:
        asyncio.run(probe())
    except (TimeoutError, OSError, asyncpg.PostgresError) as exc:
        return f"no PostgreSQL answers at {POSTGRES_URL} ({type(exc).__name__}: {exc})"
    return None


@cache
def redis_skip_reason() -> str | None:
    try:
        socket.create_connection((REDIS_HOST, REDIS_PORT), timeout=1).close()
    except OSError as exc:
        return f"no Redis answers at {REDIS_HOST}:{REDIS_PORT} ({exc})"
    return None


def db_urls() -> list[ParameterSet]:
    """The backends: `"sqlite"` always, the PostgreSQL URL when a server answers (else skipped).

    Any test or fixture that asks for `db_backend` is parametrized over these (module scope);
    turn a backend into an empty database with `fresh_db_url(db_backend)`.
    """
    return [
        pytest.param("sqlite", id="sqlite"),
        pytest.param(POSTGRES_URL, id="postgresql", marks=pytest.mark.postgres),
    ]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "db_backend" in metafunc.fixturenames:
        metafunc.parametrize("db_backend", db_urls(), scope="module")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests marked `postgres` / `redis` are skipped, with the reason, when no server answers."""
    probes = {"postgres": postgres_skip_reason, "redis": redis_skip_reason}
    for item in items:
        for marker, probe in probes.items():
            if item.get_closest_marker(marker) and (reason := probe()):
                item.add_marker(pytest.mark.skip(reason=reason))


def _admin(sql: str) -> None:
    """Run one statement on the server's maintenance connection, from sync or async code alike
    (its own event loop in a worker thread, so a test's running loop is no obstacle)."""

    async def run() -> None:
        dsn = POSTGRES_URL.replace("postgresql+asyncpg://", "postgresql://")
        conn = await asyncpg.connect(dsn, timeout=10)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(asyncio.run, run()).result()


@pytest.fixture(scope="session")
def fresh_db_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[[str], str]]:
    """`fresh_db_url(backend)` → the URL of a new, empty database (dropped after the session).

    `backend` is a value from `db_urls()`; on PostgreSQL each call creates its own database on
    the server, so parallel runs and test modules never see each other's rows.
    """
    created: list[str] = []

    def make(backend: str) -> str:
        if backend == "sqlite":
            path: Path = tmp_path_factory.mktemp("db") / "nextstep.db"
            return f"sqlite+aiosqlite:///{path}"
        name = f"nextstep_test_{uuid.uuid4().hex[:12]}"
        _admin(f'CREATE DATABASE "{name}"')
        created.append(name)
        return backend.rsplit("/", 1)[0] + "/" + name

    yield make
    for name in created:
        _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
