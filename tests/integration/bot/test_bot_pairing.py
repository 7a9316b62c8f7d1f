"""Pairing through invite links, unpaired users, and /lang — over HTTP with real polling."""

from __future__ import annotations

from datetime import timedelta

from nextstep.bot.services.pairing import create_invite
from tests.integration.bot.conftest import STRANGER_TG, World
from tests.unit.engine.engine_world import MANAGER
from tests.unit.handlers.world import MANAGER_TG, OTHER_TG


async def invite(world: World, days_ago: int = 0) -> str:
    now = world.services.now() - timedelta(days=days_ago)
    return await create_invite(world.db, crm_user_id=MANAGER, role="manager", now=now)


async def test_invite_link_pairs_and_greets_by_crm_name(world: World) -> None:
    token = await invite(world)
    await world.emu.user_sends(MANAGER_TG, f"/start {token}")
    reply = await world.emu.wait_for_message(MANAGER_TG, "Здравствуйте")
    assert "Мария Петрова" in reply.body
    assert "менеджер" in reply.body


async def test_a_used_invite_says_so(world: World) -> None:
    token = await invite(world)
    await world.emu.user_sends(MANAGER_TG, f"/start {token}")
    await world.emu.wait_for_message(MANAGER_TG, "Здравствуйте")
    await world.emu.user_sends(OTHER_TG, f"/start {token}")
    reply = await world.emu.wait_for_message(OTHER_TG)
    assert "уже использована" in reply.body


async def test_an_expired_invite_says_so(world: World) -> None:
    token = await invite(world, days_ago=8)
    await world.emu.user_sends(MANAGER_TG, f"/start {token}")
    reply = await world.emu.wait_for_message(MANAGER_TG)
    assert "истёк" in reply.body


async def test_an_unknown_invite_says_so(world: World) -> None:
    await world.emu.user_sends(MANAGER_TG, "/start not-a-token")
    reply = await world.emu.wait_for_message(MANAGER_TG)
    assert "Такого приглашения нет" in reply.body


async def test_unpaired_users_get_one_clear_message_and_nothing_else(world: World) -> None:
    message_id = await world.emu.user_sends(STRANGER_TG, "/today")
    reply = await world.emu.wait_for_message(STRANGER_TG, after=message_id)
    assert "не подключены" in reply.body
    assert reply.buttons == []
    await asyncio_sleep()
    bot_messages = [m for m in world.emu.chat(STRANGER_TG) if m.from_bot]
    assert len(bot_messages) == 1


async def test_lang_switches_the_language(world: World) -> None:
    token = await invite(world)
    await world.emu.user_sends(MANAGER_TG, f"/start {token}")
    await world.emu.wait_for_message(MANAGER_TG, "Здравствуйте")
    await world.emu.user_sends(MANAGER_TG, "/lang")
    menu = await world.emu.wait_for_message(MANAGER_TG, "Choose your language")
    query = await world.emu.user_presses_button(MANAGER_TG, "English", menu.message_id)
    await world.emu.wait_for(
        lambda: "Done" in world.emu.message(MANAGER_TG, menu.message_id).body,
        description="the menu edited in English",
    )
    answer = world.emu.callback_answer(query)
    assert answer is not None
    assert not answer.show_alert
    last = menu.message_id
    await world.emu.user_sends(MANAGER_TG, "/start")
    reply = await world.emu.wait_for_message(MANAGER_TG, "Hello", after=last)
    assert "Today's tasks" in reply.body


async def asyncio_sleep() -> None:
    import asyncio

    await asyncio.sleep(0.5)
