"""Writes over real HTTP: what the client sends lands in the sandbox's state, and refusals
come back as CrmBadRequest carrying the API's validation messages."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from nextstep.crm_client.amocrm import AmoCrmClient
from nextstep.crm_client.errors import CrmBadRequest
from nextstep.crm_client.models import CallNote, DealPatch, NewDeal, NewTask, TaskPatch
from nextstep.sandbox.crm import LOST_STATUS_ID, CrmSandbox, CrmState, SeedInfo
from nextstep.sandbox.crm.seed import DESIGN_PIPELINE_ID, FIELD_PROJECT_URL_ID
from tests.integration.crm_client.world import (
    NOW,
    READY_STAGE_ID,
    open_design_lead_without_link,
    open_task_id,
)

TOMORROW = datetime.fromtimestamp(NOW, UTC) + timedelta(days=1)


async def test_a_stage_that_requires_a_field_refuses_the_move(
    sandbox: CrmSandbox, crm: AmoCrmClient, state: CrmState, seed: SeedInfo
) -> None:
    assert seed.stage("Дизайн", "Дизайн-проект готов") == READY_STAGE_ID
    lead = open_design_lead_without_link(state)
    stage_before = lead.status_id
    with pytest.raises(CrmBadRequest) as caught:
        await crm.update_deal(lead.id, DealPatch(status_id=READY_STAGE_ID))
    assert caught.value.status == 400
    assert any(str(FIELD_PROJECT_URL_ID) in e for e in caught.value.errors)
    assert any("Ссылка на проект" in e for e in caught.value.errors)
    assert state.leads[lead.id].status_id == stage_before

    # With the link the same move goes through.
    link = "https://disk.example/projects/1"
    patch = DealPatch(status_id=READY_STAGE_ID, custom_fields={FIELD_PROJECT_URL_ID: link})
    await crm.update_deal(lead.id, patch)
    assert state.leads[lead.id].status_id == READY_STAGE_ID
    assert state.leads[lead.id].custom_fields[FIELD_PROJECT_URL_ID] == [{"value": link}]
    deal = await crm.get_deal(lead.id)
    assert deal is not None
    assert deal.field("PROJECT_URL") == link


async def test_a_task_without_text_is_refused(
    sandbox: CrmSandbox, crm: AmoCrmClient, state: CrmState
) -> None:
    deal_id = min(state.leads)
    tasks_before = set(state.tasks)
    with pytest.raises(CrmBadRequest) as caught:
        await crm.create_task(NewTask(text="", complete_till=TOMORROW, entity_id=deal_id))
    assert any(e.startswith("text:") for e in caught.value.errors)
    assert set(state.tasks) == tasks_before


async def test_create_task_and_reschedule(
    sandbox: CrmSandbox, crm: AmoCrmClient, state: CrmState, seed: SeedInfo
) -> None:
    lead = open_design_lead_without_link(state)
    task_id = await crm.create_task(
        NewTask(text="Перезвонить по смете", complete_till=TOMORROW, entity_id=lead.id)
    )
    task = state.tasks[task_id]
    assert (task.text, task.entity_id, task.complete_till) == (
        "Перезвонить по смете",
        lead.id,
        int(TOMORROW.timestamp()),
    )
    assert task.responsible_user_id == lead.responsible_user_id
    later = TOMORROW + timedelta(hours=3)
    await crm.update_task(task_id, TaskPatch(complete_till=later))
    assert state.tasks[task_id].complete_till == int(later.timestamp())


async def test_complete_task_records_the_result(
    sandbox: CrmSandbox, crm: AmoCrmClient, state: CrmState
) -> None:
    task_id = open_task_id(state)
    await crm.complete_task(task_id, "Договорились о встрече в четверг")
    task = state.tasks[task_id]
    assert task.is_completed
    assert task.result_text == "Договорились о встрече в четверг"
    read_back = await crm.get_task(task_id)
    assert read_back is not None
    assert read_back.is_completed
    assert read_back.result_text == "Договорились о встрече в четверг"


async def test_call_note_lands_with_its_params(
    sandbox: CrmSandbox, crm: AmoCrmClient, state: CrmState
) -> None:
    lead = open_design_lead_without_link(state)
    note_id = await crm.add_call_note(
        CallNote(
            entity_id=lead.id,
            phone="+79161234567",
            duration=95,
            uniq="call-0001",
            link="https://pbx.example/rec/0001.mp3",
            call_status=4,
            call_result="Клиент согласен на замер",
            responsible_user_id=lead.responsible_user_id,
        )
    )
    note = state.notes[note_id]
    assert (note.entity_id, note.note_type) == (lead.id, "call_out")
    assert note.params == {
        "uniq": "call-0001",
        "duration": 95,
        "source": "nextstep",
        "phone": "+79161234567",
        "link": "https://pbx.example/rec/0001.mp3",
        "call_status": 4,
        "call_result": "Клиент согласен на замер",
    }
    assert state.events[-1].type == "outgoing_call"


async def test_call_note_as_the_bot_builds_it_lands(
    sandbox: CrmSandbox, crm: AmoCrmClient, state: CrmState
) -> None:
    """The bot's executor sends no recording link (a call from a phone has none)."""
    lead = open_design_lead_without_link(state)
    note_id = await crm.add_call_note(
        CallNote(
            entity_id=lead.id,
            phone="+79161234567",
            uniq="call-0002",
            call_status=6,
            call_result="Не дозвонился",
            responsible_user_id=lead.responsible_user_id,
        )
    )
    assert state.notes[note_id].params["call_result"] == "Не дозвонился"


async def test_common_note_lands(sandbox: CrmSandbox, crm: AmoCrmClient, state: CrmState) -> None:
    deal_id = min(state.leads)
    note_id = await crm.add_note(deal_id, "Клиент попросил КП на почту")
    note = state.notes[note_id]
    assert (note.entity_id, note.note_type, note.params) == (
        deal_id,
        "common",
        {"text": "Клиент попросил КП на почту"},
    )


async def test_salesbot_run_is_recorded(
    sandbox: CrmSandbox, crm: AmoCrmClient, state: CrmState, seed: SeedInfo
) -> None:
    bot_id = seed.salesbots["Не дозвонились"]
    deal_id = min(state.leads)
    await crm.run_salesbot(bot_id, deal_id)
    assert [lead for lead, _at in state.salesbots[bot_id].runs] == [deal_id]


async def test_an_unknown_salesbot_is_refused(
    sandbox: CrmSandbox, crm: AmoCrmClient, state: CrmState
) -> None:
    with pytest.raises(CrmBadRequest) as caught:
        await crm.run_salesbot(999, min(state.leads))
    assert any(e.startswith("bot_id:") for e in caught.value.errors)


async def test_closing_as_lost_sets_stage_and_reason(
    sandbox: CrmSandbox, crm: AmoCrmClient, state: CrmState, seed: SeedInfo
) -> None:
    lead = open_design_lead_without_link(state)
    reason = seed.loss_reasons["Дорого"]
    await crm.update_deal(lead.id, DealPatch(status_id=LOST_STATUS_ID, loss_reason_id=reason))
    stored = state.leads[lead.id]
    assert (stored.status_id, stored.pipeline_id, stored.loss_reason_id) == (
        LOST_STATUS_ID,
        DESIGN_PIPELINE_ID,
        reason,
    )
    assert stored.closed_at == NOW
    deal = await crm.get_deal(lead.id)
    assert deal is not None
    assert deal.is_closed
    assert deal.loss_reason_id == reason


async def test_create_deal_lands_on_the_first_working_stage(
    sandbox: CrmSandbox, crm: AmoCrmClient, state: CrmState, seed: SeedInfo
) -> None:
    manager = seed.manager_ids[2]
    deal_id = await crm.create_deal(
        NewDeal(
            name="Квартира на Лесной, 60 м²",
            pipeline_id=DESIGN_PIPELINE_ID,
            price=210_000,
            responsible_user_id=manager,
        )
    )
    lead = state.leads[deal_id]
    assert (lead.name, lead.price, lead.responsible_user_id) == (
        "Квартира на Лесной, 60 м²",
        210_000,
        manager,
    )
    assert lead.status_id == seed.stage("Дизайн", "Новая заявка")
