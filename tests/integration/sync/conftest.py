"""A migrated database per module and backend (emptied per test), and a seeded sandbox CRM."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable

import pytest

from nextstep.bot.storage import Database, upgrade
from nextstep.bot.storage.base import Base


@pytest.fixture(scope="module")
def migrated_url(db_backend: str, fresh_db_url: Callable[[str], str]) -> str:
    url = fresh_db_url(db_backend)
    asyncio.run(upgrade(url))
    return url


@pytest.fixture
async def db(migrated_url: str) -> AsyncIterator[Database]:
    database = Database(migrated_url)
    async with database.transaction() as session:
        for table in reversed(Base.metadata.sorted_tables):
            await session.execute(table.delete())
    yield database
    await database.dispose()
