"""Shared steps of the end-to-end tests: a world, a lead on a manager, a taken deal with its
call card showing."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import select

from nextstep.bot.demo.harness import DemoWorld, Person, open_world
from nextstep.bot.storage.models import OutboxItem
from nextstep.sandbox.crm import Note, Task

TAKE = "🚀 Взять в работу"
REACHED = "✅ Дозвонился"
NO_ANSWER = "📵 Не дозвонился"
CALL_BACK = "🕑 Перезвонить в…"
NOT_INTERESTED = "❌ Не интересно"
CONFIRM = "✅ Подтвердить"
TAKE_TEXT = "Взять в работу новую заявку"
HERE = Path(__file__).parent


@asynccontextmanager
async def world_for(playbook: str = "default", **options: Any) -> AsyncIterator[DemoWorld]:
    """A quiet world (the transcript is collected, not printed) with a fast CRM."""
    lines: list[str] = []
    async with open_world(playbook, out=lines.append, **options) as world:
        yield world


def maria(world: DemoWorld) -> Person:
    return world.person("kuznetsova")


async def lead_for(world: DemoWorld, person: Person, name: str = "Кухня-гостиная") -> int:
    return await world.new_lead(
        name, client="Анна Смирнова", phone="+79161234567", responsible=person, price=180_000
    )


async def taken_with_call_card(world: DemoWorld, person: Person) -> int:
    """A new lead, taken into work, its first call coming due: the outcome card is showing."""
    deal = await lead_for(world, person)
    await world.press(person, TAKE, deal=deal)
    await world.advance(12)
    await world.tick()
    await world.emu.wait_for_message(person.telegram_id, "⏰ Пора")
    return deal


def open_tasks(world: DemoWorld, deal: int) -> list[Task]:
    return world.state.open_tasks_of(deal)


def the_open_task(world: DemoWorld, deal: int) -> Task:
    tasks = open_tasks(world, deal)
    assert len(tasks) == 1, [t.text for t in tasks]
    return tasks[0]


def notes_of(world: DemoWorld, deal: int) -> list[Note]:
    return [n for n in world.state.notes.values() if n.entity_id == deal]


def stage(world: DemoWorld, deal: int) -> str:
    lead = world.state.leads[deal]
    pipeline = world.state.pipelines[lead.pipeline_id]
    return next(s.name for s in pipeline.statuses if s.id == lead.status_id)


async def outbox_rows(world: DemoWorld, kind: str) -> list[OutboxItem]:
    async with world.runtime.db.transaction() as session:
        return list(
            (await session.scalars(select(OutboxItem).where(OutboxItem.kind == kind))).all()
        )
