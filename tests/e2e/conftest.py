"""The bot against both emulators over real HTTP: `nextstep demo`'s world, one per test."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from nextstep.bot.demo.harness import DemoWorld
from tests.e2e.e2e_world import world_for


@pytest.fixture
async def world() -> AsyncIterator[DemoWorld]:
    async with world_for("default") as opened:
        yield opened
