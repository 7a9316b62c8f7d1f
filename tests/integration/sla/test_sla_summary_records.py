"""Over the hourly cap: the pings beyond it reach the manager as one summary card, their
escalations are recorded at once (the next sweep sends nothing new), and one of them closes as
usual when its condition clears."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from nextstep.bot.playbook.loader import load_playbook
from nextstep.bot.playbook.resolve import resolve
from nextstep.bot.playbook.sections.sla import Noise, RoleNoise
from nextstep.bot.services.sla.sweep_run import run_sweep
from nextstep.bot.storage.models import Card, Escalation
from nextstep.crm_client.models import NewDeal, NewTask
from tests.integration.sla.conftest import MASHA, MASHA_TG, PIPELINE, World
from tests.unit.handlers.world import PLAYBOOK

NAMES = ("Дом в Химках", "Офис на Тверской", "Склад в Подольске", "Дача в Рузе")


async def capped_at_one(world: World) -> None:
    playbook = load_playbook(PLAYBOOK)
    sla = playbook.sla.model_copy(update={"noise": Noise(manager=RoleNoise(per_hour=1))})
    crm = world.services.crm
    world.services.playbook = resolve(
        playbook.model_copy(update={"sla": sla}),
        await crm.list_pipelines(),
        await crm.list_loss_reasons(),
    )


async def deals_without_a_next_step(world: World) -> list[int]:
    ids = []
    for name in NAMES:
        ids.append(
            await world.services.crm.create_deal(
                NewDeal(
                    name=name,
                    pipeline_id=PIPELINE,
                    status_id=world.stages["Переговоры"],
                    responsible_user_id=MASHA,
                    price=70000,
                )
            )
        )
    await world.sync()
    return ids


async def live_escalations(world: World) -> list[Escalation]:
    async with world.services.db.transaction() as session:
        stmt = select(Escalation).where(Escalation.status != "closed").order_by(Escalation.id)
        return list((await session.scalars(stmt)).all())


async def test_pings_over_the_cap_arrive_as_one_summary_and_are_recorded(world: World) -> None:
    await capped_at_one(world)
    ids = await deals_without_a_next_step(world)
    world.advance(timedelta(hours=1, minutes=1))  # past the no-task grace
    await run_sweep(world.services)
    summary = await world.emu.wait_for_message(MASHA_TG, "Ещё требуют внимания: 3")
    first = [m for m in world.emu.chat(MASHA_TG) if "нет следующего шага" in m.body]
    assert len(first) == 2  # the one card within the cap, and the summary listing the others
    for name in NAMES:
        assert sum(name in m.body for m in first) == 1
    records = await live_escalations(world)
    assert sorted(r.subject_key for r in records) == sorted(f"deal:{i}" for i in ids)
    assert all(r.rule == "no_task" and r.level == 0 for r in records)
    async with world.services.db.transaction() as session:
        card = (
            await session.scalars(select(Card).where(Card.id.in_([r.card_id for r in records])))
        ).all()
    assert len({c.id for c in card}) == 2  # three records point at the summary card

    sent = len(world.emu.chat(MASHA_TG))
    world.advance(timedelta(minutes=5))
    await run_sweep(world.services)
    assert len(world.emu.chat(MASHA_TG)) == sent  # recorded: nothing is sent again

    listed = next(n for n in NAMES if n in summary.body)
    deal_id = ids[NAMES.index(listed)]
    await world.services.crm.create_task(
        NewTask(
            text="Позвонить клиенту",
            complete_till=world.services.now() + timedelta(days=1),
            entity_id=deal_id,
            responsible_user_id=MASHA,
        )
    )
    await world.sync()
    world.advance(timedelta(minutes=5))
    await run_sweep(world.services)
    assert f"deal:{deal_id}" not in [r.subject_key for r in await live_escalations(world)]
    assert len(await live_escalations(world)) == 3
