"""With `distribution: round_robin`, new leads alternate among the managers on shift."""

from __future__ import annotations

from datetime import timedelta

from nextstep.bot.playbook.loader import load_playbook
from nextstep.bot.playbook.resolve import resolve
from nextstep.bot.playbook.sections.distribution import Distribution, Mode
from nextstep.bot.services.sla.schedules import set_schedule, spec_of
from nextstep.bot.services.sla.sweep_run import run_sweep
from tests.integration.sla.conftest import BORIS, BORIS_TG, MASHA, World
from tests.unit.handlers.world import PLAYBOOK


async def round_robin(world: World) -> None:
    playbook = load_playbook(PLAYBOOK)
    playbook = playbook.model_copy(update={"distribution": Distribution(mode=Mode.ROUND_ROBIN)})
    crm = world.services.crm
    world.services.playbook = resolve(
        playbook, await crm.list_pipelines(), await crm.list_loss_reasons()
    )


async def test_new_leads_alternate_among_managers_on_shift(world: World) -> None:
    await round_robin(world)
    leads = [await world.new_lead(f"Заявка {i}") for i in range(3)]
    await run_sweep(world.services)
    await world.drain()
    owners = [world.state.leads[d].responsible_user_id for d in leads]
    assert owners == [MASHA, BORIS, MASHA]
    await world.emu.wait_for_message(BORIS_TG, "Заявка 1")
    # Routed once: a later sweep leaves them where they are.
    world.advance(timedelta(minutes=1))
    await run_sweep(world.services)
    await world.drain()
    assert [world.state.leads[d].responsible_user_id for d in leads] == owners


async def test_a_manager_off_shift_gets_no_new_leads(world: World) -> None:
    await round_robin(world)
    spec = spec_of(weekly=["sat-sun 09:00-18:00"], timezone="Europe/Moscow")
    await set_schedule(world.services.db, BORIS, spec, world.services.now())
    leads = [await world.new_lead(f"Заявка {i}") for i in range(2)]
    await run_sweep(world.services)
    await world.drain()
    assert [world.state.leads[d].responsible_user_id for d in leads] == [MASHA, MASHA]
