"""The real Runtime with its own APScheduler jobs (what `nextstep run` starts), against both
emulators over HTTP: nothing here calls a job by hand. The jobs tick every second of wall time
and read the world's clock, which the tests move.

- A "lead not taken" deadline pending when the process stops fires once, from a new Runtime on
  the same database started after the deadline.
- Every job the playbook needs is registered: the CRM sync, due call tasks, the SLA sweep, the
  rules' timers and the morning digest each show in a chat.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from nextstep.bot.demo.harness import DemoWorld, Person, next_working_morning
from nextstep.crm_client.models import DealPatch
from nextstep.sandbox.crm.seed_stories import add_design_rule_fields
from tests.e2e.e2e_world import TAKE, lead_for, maria, world_for

#: Jobs tick every second (the defaults are 30 s and 5 min), so the waits stay short.
FAST_TICKS: dict[str, Any] = {"sweep_interval_seconds": 1, "sync_interval_seconds": 1}
JOB_WAIT = 15.0  # seconds of wall time a job's effect may take to show (a few ticks)
REMINDER = "ждёт, чтобы её взяли в работу"
HEAD_CARD = "не взял(а) в работу"
MOSCOW = ZoneInfo("Europe/Moscow")


@asynccontextmanager
async def scheduled_world(
    playbook: str = "default", start: datetime | None = None
) -> AsyncIterator[DemoWorld]:
    async with world_for(
        playbook, scheduler=True, settings_overrides=FAST_TICKS, start=start, wait=JOB_WAIT
    ) as world:
        yield world


def head_of(world: DemoWorld, person: Person) -> Person:
    assert person.head_crm_user_id is not None
    return world.by_crm_id(person.head_crm_user_id)


def cards_about(world: DemoWorld, person: Person, deal_name: str, text: str) -> list[str]:
    return [m.body for m in world.bot_messages(person) if text in m.body and deal_name in m.body]


def move_clocks_while_stopped(world: DemoWorld, minutes: float) -> None:
    """Time passes while no process runs: both clocks move, nobody is woken."""
    delta = timedelta(minutes=minutes)
    world.clock.shift(delta)
    world.state.shift_clock(delta.total_seconds())


async def test_a_pending_take_deadline_fires_once_after_a_real_runtime_restart() -> None:
    async with scheduled_world() as world:
        manager = maria(world)
        head = head_of(world, manager)
        await lead_for(world, manager, "Кухня на Остоженке")
        await world.advance(5.5)  # past half time: the running Runtime's sweep reminds
        reminder = await world.emu.wait_for_message(
            manager.telegram_id, REMINDER, timeout=JOB_WAIT
        )
        assert "Кухня на Остоженке" in reminder.body
        assert cards_about(world, head, "Кухня на Остоженке", HEAD_CARD) == []

        # The process stops before the 10-minute deadline; it is down when the deadline passes.
        await world.stop_runtime()
        move_clocks_while_stopped(world, 6)
        await world.start_runtime()

        await world.emu.wait_for(
            lambda: cards_about(world, head, "Кухня на Остоженке", HEAD_CARD),
            JOB_WAIT,
            description="the head's card from the restarted Runtime",
        )
        # Later sweeps run (a second lead gets its reminder) and do not send the card again.
        await lead_for(world, manager, "Спальня на Арбате")
        await world.advance(5.5)
        await world.emu.wait_for(
            lambda: cards_about(world, manager, "Спальня на Арбате", REMINDER),
            JOB_WAIT,
            description="a later sweep's reminder for the second lead",
        )
        assert len(cards_about(world, head, "Кухня на Остоженке", HEAD_CARD)) == 1
        assert len(cards_about(world, manager, "Кухня на Остоженке", REMINDER)) == 1


async def test_the_runtime_runs_sync_due_tasks_sweep_and_digest_on_its_own() -> None:
    # 08:58 in Moscow on a working day: the digest (09:00) is still ahead.
    morning = next_working_morning(datetime.now(MOSCOW)).astimezone(MOSCOW)
    start = morning.replace(hour=8, minute=58)
    async with scheduled_world(start=start) as world:
        manager = maria(world)
        head = head_of(world, manager)
        assert [m for m in world.bot_messages(head) if m.photo is not None] == []
        await world.advance(3)  # 09:01: the digest job sends the head's photo
        photo = await world.emu.wait_for(
            lambda: next((m for m in world.bot_messages(head) if m.photo is not None), None),
            JOB_WAIT,
            description="the morning digest photo",
        )
        assert "Доброе утро" in photo.body

        # A lead whose webhook never arrives: only the sync job mirrors it, and then the SLA
        # sweep reminds the manager at half time.
        world.sb.set_webhook_url(None)
        await world.control(
            "POST",
            "/_sandbox/leads",
            {
                "name": "Лофт без вебхука",
                "responsible_user_id": manager.crm_user_id,
                "contact": {"name": "Ирина", "phone": "+79160000001"},
            },
        )
        await world.advance(6)
        await world.emu.wait_for(
            lambda: cards_about(world, manager, "Лофт без вебхука", REMINDER),
            JOB_WAIT,
            description="the sweep's reminder for a lead only the sync job could see",
        )

        # Due call tasks: a taken lead's first call comes due and its card arrives by itself.
        world.sb.set_webhook_url(world.webhook_url)
        deal = await lead_for(world, manager, "Студия на Соколе")
        await world.press(manager, TAKE, deal=deal)
        await world.advance(12)
        await world.emu.wait_for(
            lambda: [m for m in world.bot_messages(manager) if "⏰ Пора" in m.body],
            JOB_WAIT,
            description="the due-task job's call card",
        )


async def test_the_runtime_runs_the_rules_timers_on_its_own() -> None:
    """Design studio: a hand-off nobody accepts within 30 minutes goes to the head, fired by
    the rules' timer job."""
    async with scheduled_world("design-studio") as world:
        manager = maria(world)
        head = head_of(world, manager)
        info = world.info
        add_design_rule_fields(world.state, info)
        lead = await world.control(
            "POST",
            "/_sandbox/leads",
            {
                "name": "Квартира на Пресне",
                "price": 420_000,
                "pipeline_id": info.pipelines["Дизайн"],
                "status_id": info.stage("Дизайн", "Встреча/замер"),
                "responsible_user_id": manager.crm_user_id,
                "contact": {"name": "Олег Романов", "phone": "+79035550101"},
            },
        )
        deal = int(lead["id"])
        fields = {
            info.fields["Адрес объекта"]: "Пресненская, 8",
            info.fields["Площадь, м²"]: 64,
            info.fields["Ссылка на дизайн-проект"]: "https://projects.example/presnya",
        }
        await world.runtime.services.crm.update_deal(deal, DealPatch(custom_fields=fields))
        await world.advance(1)
        ready = info.stage("Дизайн", "Дизайн-проект готов")
        await world.control("POST", f"/_sandbox/leads/{deal}/move", {"status_id": ready})
        estimator = world.by_role("estimator")[0]
        await world.emu.wait_for(
            lambda: any("✋ Беру" in m.button_texts for m in world.chat(estimator)),
            JOB_WAIT,
            description="the hand-off card in the estimator's chat",
        )
        await world.advance(31)
        await world.emu.wait_for(
            lambda: [m for m in world.bot_messages(head) if "никто не взял вовремя" in m.body],
            JOB_WAIT,
            description="the rules' timer escalation in the head's chat",
        )
