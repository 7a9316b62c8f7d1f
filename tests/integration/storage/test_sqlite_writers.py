"""Concurrent writers on one SQLite file wait their turn instead of failing "database is locked".

Each transaction reads then writes, the pattern that fails at once under SQLite's default
deferred BEGIN when another writer got in first.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from sqlalchemy import select

from nextstep.bot.storage import Database, Repositories, upgrade
from nextstep.bot.storage.models import DealFlow
from tests.integration.storage.storage_world import NOW


async def test_concurrent_read_then_write_transactions(fresh_db_url: Callable[[str], str]) -> None:
    url = fresh_db_url("sqlite")
    await upgrade(url)
    databases = [Database(url) for _ in range(3)]  # as if three processes shared the file

    async def writer(db: Database, deal_id: int) -> None:
        for _ in range(15):
            async with db.transaction() as s:
                flow = await Repositories(s).flow.get(deal_id)
                attempts = flow.no_answer_attempts if flow else 0
                await asyncio.sleep(0)  # let the other writers interleave
                await Repositories(s).flow.update(deal_id, NOW, no_answer_attempts=attempts + 1)

    try:
        await asyncio.gather(*(writer(db, n % 2) for n, db in enumerate(databases * 2)))
        async with databases[0].session() as s:
            counts = (await s.scalars(select(DealFlow.no_answer_attempts))).all()
    finally:
        for db in databases:
            await db.dispose()
    assert sum(counts) == 6 * 15  # no lost update either
