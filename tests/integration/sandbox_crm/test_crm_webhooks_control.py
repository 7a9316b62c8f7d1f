"""Webhooks posted to a real local receiver, and the `/_sandbox` control routes."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from nextstep.sandbox.crm import CrmSandbox, CrmState, SeedInfo, run_crm_sandbox
from tests.integration.sandbox_crm.conftest import NOW, Receiver


@pytest.fixture
async def hooked(state: CrmState, seed: SeedInfo, receiver: Receiver) -> AsyncIterator[CrmSandbox]:
    async with run_crm_sandbox(state, rate_limit=None, webhook_url=receiver.url) as sb:
        yield sb


@pytest.fixture
async def api(hooked: CrmSandbox) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=hooked.base_url, headers=hooked.headers) as c:
        yield c


def open_lead(state: CrmState, seed: SeedInfo) -> int:
    stage = seed.stage("Дизайн", "Квалификация")
    return min(lead.id for lead in state.leads.values() if lead.status_id == stage)


async def test_patch_posts_form_encoded_status_webhook(
    api: httpx.AsyncClient, hooked: CrmSandbox, receiver: Receiver, seed: SeedInfo
) -> None:
    state = hooked.state
    lead_id = open_lead(state, seed)
    old = state.leads[lead_id].status_id
    target = seed.stage("Дизайн", "Встреча/замер")
    manager = seed.manager_ids[5]
    response = await api.patch(
        f"/api/v4/leads/{lead_id}", json={"status_id": target, "responsible_user_id": manager}
    )
    assert response.status_code == 200
    await hooked.webhooks_idle()

    assert receiver.sections() == ["leads[status]", "leads[responsible]", "leads[update]"]
    assert all(ct == "application/x-www-form-urlencoded" for ct in receiver.content_types)
    status = receiver.forms()[0]
    assert status["leads[status][0][id]"] == str(lead_id)
    assert status["leads[status][0][status_id]"] == str(target)
    assert status["leads[status][0][old_status_id]"] == str(old)
    assert status["leads[status][0][pipeline_id]"] == "7001"
    assert status["leads[status][0][last_modified]"] == str(NOW)
    assert status["account[subdomain]"] == "rerooms-sandbox"
    assert status["account[id]"] == str(seed.account_id)
    responsible = receiver.forms()[1]
    assert responsible["leads[responsible][0][responsible_user_id]"] == str(manager)
    assert all(d.ok for d in state.webhook_deliveries)

    types = [e.type for e in state.events if e.entity_id == lead_id][-2:]
    assert types == ["lead_status_changed", "entity_responsible_changed"]


async def test_task_completion_webhook_says_action_close(
    api: httpx.AsyncClient, hooked: CrmSandbox, receiver: Receiver
) -> None:
    task = next(t for t in hooked.state.tasks.values() if not t.is_completed)
    await api.patch(
        f"/api/v4/tasks/{task.id}", json={"is_completed": True, "result": {"text": "Готово"}}
    )
    await hooked.webhooks_idle()
    form = receiver.forms()[-1]
    assert form["task[update][0][id]"] == str(task.id)
    assert form["task[update][0][status]"] == "1"
    assert form["task[update][0][action_close]"] == "1"
    assert form["task[update][0][result][text]"] == "Готово"
    assert form["task[update][0][element_type]"] == "2"


async def test_note_webhook(
    api: httpx.AsyncClient, hooked: CrmSandbox, receiver: Receiver, seed: SeedInfo
) -> None:
    lead_id = open_lead(hooked.state, seed)
    await api.post(
        f"/api/v4/leads/{lead_id}/notes",
        json=[{"note_type": "common", "params": {"text": "Привет"}}],
    )
    await hooked.webhooks_idle()
    form = receiver.forms()[-1]
    assert form["leads[note][0][note][element_id]"] == str(lead_id)
    assert form["leads[note][0][note][note_type]"] == "4"
    assert form["leads[note][0][note][text]"] == "Привет"


async def test_failed_deliveries_are_recorded_not_raised(
    api: httpx.AsyncClient, hooked: CrmSandbox, receiver: Receiver, seed: SeedInfo
) -> None:
    receiver.status = 500
    lead_id = open_lead(hooked.state, seed)
    response = await api.patch(f"/api/v4/leads/{lead_id}", json={"name": "Новое имя"})
    assert response.status_code == 200
    hooked.set_webhook_url("http://127.0.0.1:9/nowhere")  # nothing listens on port 9
    await api.patch(f"/api/v4/leads/{lead_id}", json={"name": "Ещё имя"})
    await hooked.webhooks_idle()
    first, second = hooked.state.webhook_deliveries[-2:]
    assert first.status == 500
    assert not first.ok
    assert second.status is None
    assert second.error


async def test_incoming_lead_from_the_site_fires_the_add_webhook(
    hooked: CrmSandbox, receiver: Receiver, seed: SeedInfo
) -> None:
    async with httpx.AsyncClient(base_url=hooked.base_url) as control:  # no token needed
        response = await control.post(
            "/_sandbox/leads",
            json={"name": "Заявка с сайта", "pipeline": "Ремонт", "source": "Вебинар",
                  "contact": {"name": "Пётр Сидоров", "phone": "+7 916 000-00-00"}},
        )  # fmt: skip
        assert response.status_code == 200
        lead = hooked.state.leads[response.json()["id"]]
        assert lead.status_id == seed.stage("Ремонт", "Новая заявка")
        assert hooked.state.contacts[lead.contact_ids[0]].phones == ["+7 916 000-00-00"]
        await hooked.webhooks_idle()
        form = receiver.forms()[-1]
        assert form["leads[add][0][id]"] == str(lead.id)
        assert form["leads[add][0][status_id]"] == str(lead.status_id)
        assert not hooked.state.writes  # control routes are not API writes


async def test_a_person_moves_a_won_deal_back(
    hooked: CrmSandbox, receiver: Receiver, seed: SeedInfo
) -> None:
    state = hooked.state
    lead_id = open_lead(state, seed)
    back_to = seed.stage("Дизайн", "Смета")
    async with httpx.AsyncClient(base_url=hooked.base_url) as control:
        await control.post(f"/_sandbox/leads/{lead_id}/move", json={"status_id": 142})
        moved = await control.post(
            f"/_sandbox/leads/{lead_id}/move", json={"status_id": back_to, "by": seed.head_ids[0]}
        )
        assert moved.status_code == 200
    await hooked.webhooks_idle()
    status_hooks = [f for f in receiver.forms() if "leads[status][0][id]" in f]
    assert status_hooks[-1]["leads[status][0][old_status_id]"] == "142"
    assert status_hooks[-1]["leads[status][0][status_id]"] == str(back_to)
    last = state.events[-1]
    assert last.value_before == [{"lead_status": {"id": 142, "pipeline_id": 7001}}]
    assert last.created_by == seed.head_ids[0]
    assert state.leads[lead_id].closed_at is None


async def test_clock_shift_and_writes_log(
    hooked: CrmSandbox, api: httpx.AsyncClient, seed: SeedInfo
) -> None:
    async with httpx.AsyncClient(base_url=hooked.base_url) as control:
        shifted = await control.post("/_sandbox/clock", json={"shift": 3 * 86_400})
        assert shifted.json()["now"] == NOW + 3 * 86_400
        lead_id = open_lead(hooked.state, seed)
        await api.patch(f"/api/v4/leads/{lead_id}", json={"price": 1})
        assert hooked.state.leads[lead_id].updated_at == NOW + 3 * 86_400
        writes = (await control.get("/_sandbox/writes")).json()
        assert writes["total"] == 1
        assert writes["writes"][0]["body"] == {"price": 1}
