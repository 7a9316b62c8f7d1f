"""A lead not taken in time: the manager's reminder at half time, the head's card at the
deadline, Reassign to… landing in the sandbox CRM, the card closing once the lead is taken,
and a restart in the middle that fires the deadline once."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from nextstep.bot.services.sla.sweep_run import run_sweep
from nextstep.bot.storage.models import Escalation, Timer
from tests.integration.sla.conftest import (
    BORIS,
    BORIS_TG,
    HEAD_TG,
    MASHA_TG,
    World,
    build_services,
)

REASSIGN_TO_BORIS = "→ Борис"


async def escalations(world: World) -> list[Escalation]:
    async with world.services.db.transaction() as session:
        return list((await session.scalars(select(Escalation).order_by(Escalation.id))).all())


async def head_card_at_deadline(world: World) -> int:
    deal_id = await world.new_lead()
    await world.emu.wait_for_message(MASHA_TG, "Новая сделка")
    world.advance(timedelta(minutes=2))
    await run_sweep(world.services)
    assert [m for m in world.emu.chat(MASHA_TG) if "ждёт" in m.body] == []
    world.advance(timedelta(minutes=3, seconds=5))
    await run_sweep(world.services)
    reminder = await world.emu.wait_for_message(MASHA_TG, "ждёт, чтобы её взяли в работу")
    assert "Квартира на Пресне" in reminder.body
    world.advance(timedelta(minutes=5))
    await run_sweep(world.services)
    head = await world.emu.wait_for_message(HEAD_TG, "не взял(а) в работу")
    assert REASSIGN_TO_BORIS in head.button_texts
    assert "🙋 Возьму сам" in head.button_texts
    assert "🔔 Напомнить ещё раз" in head.button_texts
    return deal_id


async def test_reminder_then_head_card_then_reassign_lands_in_the_crm(world: World) -> None:
    deal_id = await head_card_at_deadline(world)
    head = await world.emu.wait_for_message(HEAD_TG, "не взял(а) в работу")
    await world.emu.user_presses_button(HEAD_TG, REASSIGN_TO_BORIS, head.message_id)
    await world.emu.wait_for(
        lambda: "Передана: Борис" in world.emu.message(HEAD_TG, head.message_id).body,
        description="the head's card says who got the lead",
    )
    assert world.emu.message(HEAD_TG, head.message_id).buttons == []
    await world.drain()
    assert world.state.leads[deal_id].responsible_user_id == BORIS
    (take_task,) = world.state.open_tasks_of(deal_id)
    assert take_task.responsible_user_id == BORIS
    card = await world.emu.wait_for_message(BORIS_TG, "Квартира на Пресне")
    assert "🚀 Взять в работу" in card.button_texts
    (record,) = await escalations(world)
    assert record.status == "closed"
    assert record.close_reason == "reassigned"
    # Boris has the full deadline from now: the next sweep escalates nothing.
    world.advance(timedelta(minutes=1))
    await run_sweep(world.services)
    assert len(await escalations(world)) == 1


async def test_the_head_card_closes_once_the_lead_is_taken(world: World) -> None:
    await head_card_at_deadline(world)
    head = await world.emu.wait_for_message(HEAD_TG, "не взял(а) в работу")
    card = await world.emu.wait_for_message(MASHA_TG, "Новая сделка")
    await world.emu.user_presses_button(MASHA_TG, "🚀 Взять в работу", card.message_id)
    await world.emu.wait_for_message(MASHA_TG, "Звонок по сделке")
    await world.drain()
    await world.sync()
    report = await run_sweep(world.services)
    assert report.closed == 1
    await world.emu.wait_for(
        lambda: "Взята в работу" in world.emu.message(HEAD_TG, head.message_id).body,
        description="the head's card edited to say how it ended",
    )
    assert world.emu.message(HEAD_TG, head.message_id).buttons == []
    (record,) = await escalations(world)
    assert (record.status, record.close_reason) == ("closed", "taken")


async def test_a_restart_before_the_deadline_fires_it_once(world: World) -> None:
    await world.new_lead()
    world.advance(timedelta(minutes=4))
    await run_sweep(world.services)
    async with world.services.db.transaction() as session:
        pending = (await session.scalars(select(Timer).where(Timer.fired_at.is_(None)))).all()
    assert any(t.key.startswith("sla:take:deal:") for t in pending)  # the deadline is stored

    # The process dies; a new one (new Services, same database) starts after the deadline.
    await world.services.db.dispose()
    world.advance(timedelta(minutes=7))
    fresh = build_services(world.db_url, world.services.crm, world.clock, world.services)  # type: ignore[arg-type]
    fresh.wake = world.services.wake
    try:
        await run_sweep(fresh)
        await run_sweep(fresh)
    finally:
        await fresh.db.dispose()
    await world.emu.wait_for_message(HEAD_TG, "не взял(а) в работу")
    await world.emu.wait_for(lambda: world.emu.changes is not None)
    cards = [m for m in world.emu.chat(HEAD_TG) if "не взял(а) в работу" in m.body]
    assert len(cards) == 1
    (record,) = await escalations(world)
    assert record.status == "open"
    assert record.level == 1
