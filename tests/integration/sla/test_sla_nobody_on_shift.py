"""Round robin with nobody of the team on shift: the lead waits for the first shift, and the
head hears of it once (not on every sweep); when the shift starts, the lead is routed."""

from __future__ import annotations

from datetime import timedelta

from nextstep.bot.services.sla.schedules import set_schedule, spec_of
from nextstep.bot.services.sla.sweep_run import run_sweep
from tests.integration.sla.conftest import BORIS, HEAD_TG, MASHA, World
from tests.integration.sla.test_sla_distribution import round_robin

WAITS = "ждёт: на смене никого нет"


async def test_a_lead_waits_for_the_first_shift_and_the_head_is_told_once(world: World) -> None:
    await round_robin(world)
    weekend = spec_of(weekly=["sat-sun 09:00-18:00"], timezone="Europe/Moscow")
    for who in (MASHA, BORIS):
        await set_schedule(world.services.db, who, weekend, world.services.now())
    deal_id = await world.new_lead("Заявка в понедельник")
    for _ in range(3):
        await run_sweep(world.services)
        await world.drain()
        world.advance(timedelta(minutes=5))
    card = await world.emu.wait_for_message(HEAD_TG, WAITS)
    assert "Заявка в понедельник" in card.body
    assert "Первая смена начнётся" in card.body
    assert len([m for m in world.emu.chat(HEAD_TG) if WAITS in m.body]) == 1
    assert world.state.leads[deal_id].responsible_user_id == MASHA

    # Saturday 09:00 in Moscow: the shift starts and the lead is routed (days later, still).
    world.advance(timedelta(days=4, hours=22, minutes=45))
    await run_sweep(world.services)
    await world.drain()
    await world.emu.wait_for(
        lambda: "Передана" in world.emu.message(HEAD_TG, card.message_id).body,
        description="the waiting card says who got the lead",
    )
    assert len([m for m in world.emu.chat(HEAD_TG) if WAITS in m.body]) == 1
