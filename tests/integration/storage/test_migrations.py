"""Migrations go up, down and up again, and the result is exactly what the models describe."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection, inspect

from nextstep.bot.cli import main
from nextstep.bot.storage import create_engine, current, downgrade, head, upgrade
from nextstep.bot.storage.base import Base


async def _tables(url: str) -> set[str]:
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            return set(await conn.run_sync(lambda c: inspect(c).get_table_names()))
    finally:
        await engine.dispose()


def _diff(conn: Connection) -> list[object]:
    context = MigrationContext.configure(conn, opts={"compare_type": True})
    return list(compare_metadata(context, Base.metadata))


async def test_stairway_up_down_up(db_backend: str, fresh_db_url: Callable[[str], str]) -> None:
    url = fresh_db_url(db_backend)
    assert await current(url) is None

    await upgrade(url)
    assert await current(url) == head()
    assert set(Base.metadata.tables) <= await _tables(url)

    await downgrade(url, "base")
    assert await current(url) is None
    assert await _tables(url) <= {"alembic_version"}

    await upgrade(url)
    assert await current(url) == head()


async def test_migrated_schema_matches_models(migrated_url: str) -> None:
    engine = create_engine(migrated_url)
    try:
        async with engine.connect() as conn:
            diff = await conn.run_sync(_diff)
    finally:
        await engine.dispose()
    assert diff == []


def test_cli_upgrade_current_downgrade(
    fresh_db_url: Callable[[str], str], capsys: pytest.CaptureFixture[str]
) -> None:
    url = fresh_db_url("sqlite")
    assert main(["db", "current", "--url", url]) == 0
    assert "behind" in capsys.readouterr().out
    assert main(["db", "upgrade", "--url", url]) == 0
    assert main(["db", "current", "--url", url]) == 0
    assert "up to date" in capsys.readouterr().out
    assert main(["db", "downgrade", "base", "--url", url]) == 0
    assert "base (empty)" in capsys.readouterr().out
