from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from nextstep.bot.storage import Database, upgrade


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("bot-db") / "template.db"
    asyncio.run(upgrade(f"sqlite+aiosqlite:///{path}"))
    return path


@pytest.fixture
def db_path(migrated_template: Path, tmp_path: Path) -> Path:
    path = tmp_path / "nextstep.db"
    shutil.copyfile(migrated_template, path)
    return path


@pytest.fixture
async def db(db_path: Path) -> AsyncIterator[Database]:
    path = db_path
    database = Database(f"sqlite+aiosqlite:///{path}")
    yield database
    await database.dispose()
