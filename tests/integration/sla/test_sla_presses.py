"""The overdue pile (one head card, Redistribute → the tasks change hands in the sandbox CRM),
acknowledge and snooze from a card, and a reminder held until the manager's shift starts."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from nextstep.bot.services.sla.schedules import set_schedule, spec_of
from nextstep.bot.services.sla.sweep_run import run_sweep
from nextstep.bot.storage.models import Escalation
from tests.integration.sla.conftest import BORIS, HEAD_TG, MASHA, MASHA_TG, T0, World

PILE = "просрочено задач: 5"


async def records(world: World) -> list[Escalation]:
    async with world.services.db.transaction() as session:
        return list((await session.scalars(select(Escalation).order_by(Escalation.id))).all())


async def test_an_overdue_pile_gives_one_head_card_and_redistribute_moves_the_tasks(
    world: World,
) -> None:
    deals = [
        await world.taken_deal_with_task(f"Сделка {i}", T0 + timedelta(minutes=5 + i))
        for i in range(5)
    ]
    await world.sync()
    world.advance(timedelta(minutes=30))
    await run_sweep(world.services)
    await run_sweep(world.services)
    card = await world.emu.wait_for_message(HEAD_TG, PILE)
    assert "Маша" in card.body
    assert "🔀 Перераспределить" in card.button_texts
    assert len([m for m in world.emu.chat(HEAD_TG) if PILE in m.body]) == 1
    assert [m for m in world.emu.chat(MASHA_TG) if PILE in m.body] == []

    await world.emu.user_presses_button(HEAD_TG, "🔀 Перераспределить", card.message_id)
    await world.emu.wait_for(
        lambda: "Получили: Борис" in world.emu.message(HEAD_TG, card.message_id).body,
        description="the pile card says who got the tasks",
    )
    await world.drain()
    tasks = [t for d in deals for t in world.state.open_tasks_of(d)]
    assert len(tasks) == 5
    assert {t.responsible_user_id for t in tasks} == {BORIS}
    (record,) = await records(world)
    assert (record.status, record.close_reason) == ("closed", "redistributed")


async def test_acknowledge_and_snooze_from_the_head_card(world: World) -> None:
    await world.new_lead()
    world.advance(timedelta(minutes=11))
    await run_sweep(world.services)
    card = await world.emu.wait_for_message(HEAD_TG, "не взял(а) в работу")
    await world.emu.user_presses_button(HEAD_TG, "👀 Разбираюсь", card.message_id)
    await world.emu.wait_for(
        lambda: "Гера разбирается" in world.emu.message(HEAD_TG, card.message_id).body,
        description="the card says the head is on it",
    )
    edited = world.emu.message(HEAD_TG, card.message_id)
    assert "👀 Разбираюсь" not in edited.button_texts
    assert "💤 30 мин" in edited.button_texts
    (record,) = await records(world)
    assert record.status == "acked"

    await world.emu.user_presses_button(HEAD_TG, "💤 30 мин", card.message_id)
    await world.emu.wait_for(
        lambda: "Отложено до" in world.emu.message(HEAD_TG, card.message_id).body,
        description="the card says until when",
    )
    (record,) = await records(world)
    assert record.status == "snoozed"
    assert record.snoozed_until == world.services.now() + timedelta(minutes=30)
    # Quiet while snoozed; when it runs out, a fresh reminder.
    world.advance(timedelta(minutes=10))
    await run_sweep(world.services)
    assert [m for m in world.emu.chat(HEAD_TG) if "Напоминание" in m.body] == []
    world.advance(timedelta(minutes=21))
    await run_sweep(world.services)
    await world.emu.wait_for_message(HEAD_TG, "Напоминание")


async def test_a_reminder_waits_for_the_managers_shift(world: World) -> None:
    # Masha works 09:00-10:03 in Moscow today: the half-time reminder (10:05) finds her off.
    spec = spec_of(weekly=["mon-fri 09:00-10:03"], timezone="Europe/Moscow")
    await set_schedule(world.services.db, MASHA, spec, world.services.now())
    await world.new_lead()
    world.advance(timedelta(minutes=6))
    await run_sweep(world.services)
    (record,) = await records(world)
    assert record.payload["deferred_until"] is not None
    tomorrow_nine = T0 + timedelta(days=1) - timedelta(hours=1)  # Tuesday 09:00 Moscow
    assert record.payload["deferred_until"] == tomorrow_nine.isoformat()
    assert [m for m in world.emu.chat(MASHA_TG) if "ждёт" in m.body] == []

    world.advance(tomorrow_nine - world.services.now() + timedelta(seconds=30))
    await run_sweep(world.services)
    await world.emu.wait_for_message(MASHA_TG, "ждёт, чтобы её взяли в работу")
