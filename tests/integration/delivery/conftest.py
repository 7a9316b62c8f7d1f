"""A migrated database per module and backend (empty tables per test), the Telegram emulator
with Telegram's real limits, and an aiogram Bot talking to it over HTTP."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable

import pytest
from aiogram import Bot

from nextstep.bot.storage import Database, upgrade
from nextstep.bot.storage.base import Base
from nextstep.sandbox.telegram import TelegramEmulator, run_telegram_emulator


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


@pytest.fixture
async def emu() -> AsyncIterator[TelegramEmulator]:
    async with run_telegram_emulator(token="42:TEST") as emulator:
        yield emulator


@pytest.fixture
async def bot(emu: TelegramEmulator) -> AsyncIterator[Bot]:
    bot = emu.make_bot()
    try:
        yield bot
    finally:
        await bot.session.close()
