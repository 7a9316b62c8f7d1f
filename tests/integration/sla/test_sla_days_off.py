"""Days off from the chat (`/schedule`): a manager takes tomorrow off; a head picks a team member,
types a range, removes a day, and gives one the day off today — the next head card no longer
offers the lead to them. Stored where `nextstep staff schedule` keeps them."""

from __future__ import annotations

from datetime import timedelta

from nextstep.bot.services.sla.sweep_run import run_sweep
from nextstep.bot.storage import Repositories
from nextstep.sandbox.telegram import ChatMessage
from tests.integration.sla.conftest import HEAD_TG, MASHA_TG, World

TOMORROW = "🏖 Выходной завтра (03.03)"
PICK = "📅 Выбрать дату…"
HEAD_CARD = "не взял(а) в работу"


async def stored_days_off(world: World, key: str) -> list[str]:
    async with world.services.db.transaction() as session:
        spec = await Repositories(session).schedules.get(world.team[key].id)
    return list((spec or {}).get("days_off", []))


async def press_and_wait(world: World, chat: int, label: str, menu: int, shows: str) -> str:
    """Press `label` on the menu message; return its text once it shows `shows`."""
    await world.emu.user_presses_button(chat, label, menu)

    def shown() -> str | None:
        body = world.emu.message(chat, menu).body
        return body if shows in body else None

    return await world.emu.wait_for(shown, description=f"the menu to show {shows!r}")


async def schedule_menu(world: World, chat: int) -> ChatMessage:
    await world.emu.user_sends(chat, "/schedule")
    return await world.emu.wait_for_message(chat, "🗓")


async def test_a_manager_takes_tomorrow_off_and_gives_it_back(world: World) -> None:
    menu = await schedule_menu(world, MASHA_TG)
    assert "Выходных впереди нет" in menu.body
    assert TOMORROW in menu.button_texts
    body = await press_and_wait(world, MASHA_TG, TOMORROW, menu.message_id, "Ближайшие выходные")
    assert "Маша: выходные 03.03" in body
    assert "Ближайшие выходные: 03.03" in body
    assert await stored_days_off(world, "masha") == ["2026-03-03"]

    body = await press_and_wait(
        world, MASHA_TG, "↩️ Убрать 03.03", menu.message_id, "снова рабочий день"
    )
    assert "Выходных впереди нет" in body
    assert await stored_days_off(world, "masha") == []


async def test_a_head_sets_a_vacation_and_a_day_off_today_that_distribution_respects(
    world: World,
) -> None:
    menu = await schedule_menu(world, HEAD_TG)
    assert "👤 Борис" in menu.button_texts
    assert "👤 Маша" in menu.button_texts
    await press_and_wait(world, HEAD_TG, "👤 Борис", menu.message_id, "Выходных впереди нет")
    await press_and_wait(world, HEAD_TG, PICK, menu.message_id, "Напишите дату или период")

    await world.emu.user_sends(HEAD_TG, "когда-нибудь потом")
    await world.emu.wait_for_message(HEAD_TG, "Не понял дату")
    await world.emu.user_sends(HEAD_TG, "10.03-12.03")  # still waiting for the date
    added = await world.emu.wait_for_message(HEAD_TG, "Борис: выходные 10.03–12.03")
    assert "Ближайшие выходные: 10.03–12.03" in added.body
    assert await stored_days_off(world, "boris") == ["2026-03-10", "2026-03-11", "2026-03-12"]

    body = await press_and_wait(
        world, HEAD_TG, "↩️ Убрать 11.03", added.message_id, "снова рабочий день"
    )
    assert "Ближайшие выходные: 10.03, 12.03" in body

    # Boris is off today: the head's card for Masha's late lead no longer offers it to him.
    await press_and_wait(world, HEAD_TG, PICK, added.message_id, "Напишите дату или период")
    await world.emu.user_sends(HEAD_TG, "сегодня")
    today = await world.emu.wait_for_message(HEAD_TG, "Борис: выходные 02.03")
    assert "не на смене" in today.body
    assert await stored_days_off(world, "boris") == ["2026-03-02", "2026-03-10", "2026-03-12"]

    await world.new_lead()
    world.advance(timedelta(minutes=10, seconds=5))
    await run_sweep(world.services)
    card = await world.emu.wait_for_message(HEAD_TG, HEAD_CARD)
    assert "→ Борис" not in card.button_texts
    assert "🙋 Возьму сам" in card.button_texts


async def test_a_manager_cannot_change_a_teammate_and_past_days_are_refused(
    world: World,
) -> None:
    menu = await schedule_menu(world, MASHA_TG)
    assert not [b for b in menu.button_texts if b.startswith("👤")]  # only her own days
    await press_and_wait(world, MASHA_TG, PICK, menu.message_id, "Напишите дату или период")
    await world.emu.user_sends(MASHA_TG, "01.03.2026")
    await world.emu.wait_for_message(MASHA_TG, "уже прошла")
    await world.emu.user_sends(MASHA_TG, "20.03-15.03")
    await world.emu.wait_for_message(MASHA_TG, "Конец периода раньше начала")
    assert await stored_days_off(world, "masha") == []
