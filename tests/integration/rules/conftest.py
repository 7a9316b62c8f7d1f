from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

import pytest

from nextstep.bot.storage import upgrade


@pytest.fixture(scope="session")
def rules_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("rules-int") / "template.db"
    asyncio.run(upgrade(f"sqlite+aiosqlite:///{path}"))
    return path


@pytest.fixture
def db_path(rules_template: Path, tmp_path: Path) -> Path:
    path = tmp_path / "bot.db"
    shutil.copyfile(rules_template, path)
    return path
