"""All the way to the CRM: presses → outbox → CrmWriteRelay → the sandbox CRM over HTTP, and
what arrived is read back from the sandbox's state (stage moved, task completed, note added)."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pydantic import SecretStr

from nextstep.bot.delivery.crm import CrmWriteRelay
from nextstep.bot.playbook.loader import load_playbook
from nextstep.bot.playbook.resolve import resolve
from nextstep.bot.services import deal_press, presses
from nextstep.bot.services.deps import Services
from nextstep.bot.services.inbox import process_crm_event
from nextstep.bot.services.staff import StaffInfo, add_staff
from nextstep.bot.storage import Database
from nextstep.crm_client.amocrm import AmoCrmClient
from nextstep.crm_client.models import CrmEvent, CrmEventType, NewDeal
from nextstep.sandbox.crm import Contact, CrmSandbox, CrmState, run_crm_sandbox, seed_empty_stock
from tests.unit.handlers.world import PLAYBOOK, Clock, make_services, outbox

MANAGER_CRM, MANAGER_TG = 1002, 2002


@dataclass
class Crm:
    sb: CrmSandbox
    services: Services
    relay: CrmWriteRelay
    manager: StaffInfo
    stages: dict[str, int]


@pytest.fixture
async def crm_world(bot_template: Path, tmp_path: Path) -> AsyncIterator[Crm]:
    shutil.copyfile(bot_template, tmp_path / "bot.db")
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}")
    state = CrmState()
    info = seed_empty_stock(state)
    async with run_crm_sandbox(state) as sb:
        client = AmoCrmClient(sb.base_url, token=SecretStr("sandbox-token"))
        services = make_services(db, client)  # type: ignore[arg-type]
        services.clock = Clock(_now(state))
        services.playbook = resolve(
            load_playbook(PLAYBOOK),
            await client.list_pipelines(),
            await client.list_loss_reasons(),
        )
        manager = await add_staff(
            db,
            telegram_id=MANAGER_TG,
            crm_user_id=MANAGER_CRM,
            role="manager",
            now=services.now(),
            name="Менеджер",
        )
        relay = CrmWriteRelay(db, client, poll_interval=0.05)
        stages = {name: sid for (_, name), sid in info.stages.items()}
        try:
            yield Crm(sb, services, relay, manager, stages)
        finally:
            await client.aclose()
            await db.dispose()


def _now(state: CrmState) -> datetime:  # the sandbox's clock: due times compare with it
    return datetime.fromtimestamp(state.now(), UTC)


async def drain(world: Crm) -> None:
    while await world.relay.drain_once():
        pass


async def press(world: Crm, label: str) -> None:
    rows = await outbox(world.services.db, "telegram")
    cb = next(
        b["cb"]
        for p in reversed(rows)
        for row in p.get("buttons", [])
        for b in row
        if b["text"] == label
    )
    found = await presses.peek(world.services.db, cb)
    assert found is not None
    assert await presses.claim(world.services, world.manager, found) is presses.Verdict.OK
    await deal_press.on_press(world.services, world.manager, found)


async def test_take_and_no_answer_land_in_the_crm(crm_world: Crm) -> None:
    world, state = crm_world, crm_world.sb.state
    client = world.services.crm
    first, second = world.stages["Первичный контакт"], world.stages["Переговоры"]
    state.contacts[501] = Contact(501, "Анна Смирнова", phones=["+79990001122"])
    deal_id = await client.create_deal(
        NewDeal(
            name="Квартира на Пресне",
            pipeline_id=7101,
            status_id=first,
            responsible_user_id=MANAGER_CRM,
            contact_ids=(501,),
        )
    )
    added = CrmEvent(type=CrmEventType.DEAL_ADDED, entity="lead", entity_id=deal_id)
    await process_crm_event(world.services, added)
    await drain(world)
    (take_task,) = state.open_tasks_of(deal_id)
    assert take_task.text == "Взять в работу новую заявку"

    await press(world, "🚀 Взять в работу")
    await drain(world)
    assert state.leads[deal_id].status_id == second
    assert state.tasks[take_task.id].is_completed
    assert state.tasks[take_task.id].result_text == "Взята в работу"
    (call_task,) = state.open_tasks_of(deal_id)
    assert call_task.text == "Позвонить клиенту"

    await press(world, "📵 Не дозвонился")
    await drain(world)
    assert state.tasks[call_task.id].is_completed
    assert state.tasks[call_task.id].result_text == "Не дозвонились, попытка 1"
    notes = [n for n in state.notes.values() if n.entity_id == deal_id]
    assert [n.note_type for n in notes] == ["call_out"]
    assert notes[0].params["call_status"] == 6
    assert notes[0].params["phone"] == "+79990001122"
    (next_call,) = state.open_tasks_of(deal_id)
    assert next_call.text == "Перезвонить: не дозвонились (1-я попытка)"
