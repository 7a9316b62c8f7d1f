"""The web app on a real aiohttp server (127.0.0.1, a free port) over a migrated database."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable

import aiohttp
import pytest
from aiohttp.test_utils import TestServer
from pydantic import SecretStr

from nextstep.bot.config import Settings
from nextstep.bot.storage import Database, upgrade
from nextstep.bot.storage.base import Base

SECRET = "s3cr3t-path-token-0123456789abcdef"


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
def settings() -> Settings:
    return Settings(
        _env_file=None,
        webhook_secret=SecretStr(SECRET),
        amocrm_base_url="https://acme.amocrm.ru",
        amocrm_long_lived_token=SecretStr("t"),
        timezone="Europe/Moscow",
    )


async def serve(app: aiohttp.web.Application) -> TestServer:
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    return server


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session
