"""With REDIS_URL set, a conversation in progress (a call-back time being typed) lives in Redis,
so it survives a restart of the bot (a deploy) and is shared by several bot processes; the
in-memory default forgets it. Runs against the Redis at 127.0.0.1:6379, skipped without one."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis

from nextstep.bot.demo.harness import DemoWorld
from tests.e2e.e2e_world import CALL_BACK, maria, taken_with_call_card, world_for

pytestmark = pytest.mark.redis

REDIS_DB = 11  # a database of its own, emptied before and after


@pytest.fixture
async def redis_url() -> AsyncIterator[str]:
    url = f"redis://127.0.0.1:6379/{REDIS_DB}"
    client = Redis.from_url(url)
    await client.flushdb()
    try:
        yield url
    finally:
        await client.flushdb()
        await client.aclose()


async def asked_then_restarted(world: DemoWorld) -> None:
    manager = maria(world)
    deal = await taken_with_call_card(world, manager)
    await world.press(manager, CALL_BACK, deal=deal)
    await world.restart()  # a deploy between the question and the answer
    await world.say(manager, "завтра в 10")


async def test_a_call_back_time_typed_after_a_restart_is_understood_with_redis(
    redis_url: str,
) -> None:
    async with world_for("default", settings_overrides={"redis_url": redis_url}) as world:
        await asked_then_restarted(world)
        assert "Перезвонить: завтра" in world.last(maria(world)).body


async def test_without_redis_the_restart_forgets_the_question(redis_url: str) -> None:
    async with world_for("default") as world:
        await asked_then_restarted(world)
        assert "Перезвонить: завтра" not in world.last(maria(world)).body
