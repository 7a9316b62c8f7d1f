"""Writes over HTTP: what the CRM records, the 400 validation format, events, notes, bots."""

from __future__ import annotations

import httpx

from nextstep.sandbox.crm import CrmState, SeedInfo
from tests.integration.sandbox_crm.conftest import NOW


def open_lead(state: CrmState, seed: SeedInfo, pipeline: str = "Дизайн") -> int:
    stage = seed.stage(pipeline, "Квалификация")
    return min(lead.id for lead in state.leads.values() if lead.status_id == stage)


def errors_of(response: httpx.Response) -> list[dict[str, str]]:
    assert response.status_code == 400
    assert response.headers["Content-Type"].startswith("application/problem+json")
    body = response.json()
    assert body["title"] == "Bad Request"
    assert body["status"] == 400
    return [e for group in body["validation-errors"] for e in group["errors"]]


async def test_patch_moves_a_lead_and_is_logged(
    client: httpx.AsyncClient, state: CrmState, seed: SeedInfo
) -> None:
    lead_id = open_lead(state, seed)
    target = seed.stage("Дизайн", "Встреча/замер")
    response = await client.patch(
        f"/api/v4/leads/{lead_id}", json={"status_id": target, "price": 777_000}
    )
    assert response.status_code == 200
    assert response.json()["id"] == lead_id
    assert response.json()["updated_at"] == NOW
    assert state.leads[lead_id].status_id == target
    assert state.leads[lead_id].price == 777_000
    write = state.writes[-1]
    assert (write.method, write.path, write.status) == ("PATCH", f"/api/v4/leads/{lead_id}", 200)
    assert write.body == {"status_id": target, "price": 777_000}

    newest = (await client.get("/api/v4/events", params={"limit": 1})).json()
    event = newest["_embedded"]["events"][0]
    assert event["type"] == "lead_status_changed"
    assert event["entity_id"] == lead_id
    assert event["value_after"] == [{"lead_status": {"id": target, "pipeline_id": 7001}}]
    assert event["value_before"][0]["lead_status"]["id"] == seed.stage("Дизайн", "Квалификация")


async def test_batch_patch_is_all_or_nothing(
    client: httpx.AsyncClient, state: CrmState, seed: SeedInfo
) -> None:
    lead_id = open_lead(state, seed)
    other = open_lead(state, seed, "Ремонт")
    before = state.leads[lead_id].responsible_user_id
    response = await client.patch(
        "/api/v4/leads",
        json=[
            {"id": lead_id, "responsible_user_id": seed.manager_ids[3]},
            {"id": other, "responsible_user_id": 999},
        ],
    )
    errors = errors_of(response)
    assert errors == [
        {"code": "NotSupportedChoice", "path": "responsible_user_id",
         "detail": "The user does not exist."}
    ]  # fmt: skip
    assert response.json()["validation-errors"][0]["request_id"] == "1"
    assert state.leads[lead_id].responsible_user_id == before


async def test_unknown_status_and_pipeline_are_400(
    client: httpx.AsyncClient, state: CrmState, seed: SeedInfo
) -> None:
    lead_id = open_lead(state, seed)
    wrong_stage = seed.stage("Ремонт", "Смета")  # exists, but in another pipeline
    paths = {e["path"] for e in errors_of(
        await client.patch(f"/api/v4/leads/{lead_id}", json={"status_id": wrong_stage})
    )}  # fmt: skip
    assert paths == {"status_id"}
    paths = {e["path"] for e in errors_of(
        await client.patch(f"/api/v4/leads/{lead_id}", json={"pipeline_id": 1})
    )}  # fmt: skip
    assert "pipeline_id" in paths


async def test_a_stage_with_required_fields_refuses_a_lead_without_them(
    client: httpx.AsyncClient, state: CrmState, seed: SeedInfo
) -> None:
    lead_id = open_lead(state, seed)
    ready = seed.stage("Дизайн", "Дизайн-проект готов")
    errors = errors_of(await client.patch(f"/api/v4/leads/{lead_id}", json={"status_id": ready}))
    assert errors[0]["code"] == "FieldIsRequired"
    assert "Ссылка на проект" in errors[0]["detail"]
    assert state.leads[lead_id].status_id != ready

    link = {"field_code": "PROJECT_URL", "values": [{"value": "https://disk.example/p/1"}]}
    ok = await client.patch(
        f"/api/v4/leads/{lead_id}", json={"status_id": ready, "custom_fields_values": [link]}
    )
    assert ok.status_code == 200
    assert state.leads[lead_id].status_id == ready


async def test_task_needs_text_and_deadline(client: httpx.AsyncClient, state: CrmState) -> None:
    count = len(state.tasks)
    errors = errors_of(await client.post("/api/v4/tasks", json=[{"entity_type": "leads"}]))
    assert {e["path"] for e in errors} >= {"text", "complete_till"}
    assert len(state.tasks) == count


async def test_create_and_complete_a_task(
    client: httpx.AsyncClient, state: CrmState, seed: SeedInfo
) -> None:
    lead_id = open_lead(state, seed)
    created = await client.post(
        "/api/v4/tasks",
        json=[{"text": "Позвонить", "complete_till": NOW + 3600, "entity_id": lead_id,
               "entity_type": "leads", "task_type_id": 1, "request_id": "a1"}],
    )  # fmt: skip
    assert created.status_code == 200
    item = created.json()["_embedded"]["tasks"][0]
    assert item["request_id"] == "a1"
    task = state.tasks[item["id"]]
    assert task.responsible_user_id == state.leads[lead_id].responsible_user_id

    got = (await client.get(f"/api/v4/leads/{lead_id}")).json()
    assert got["closest_task_at"] <= NOW + 3600

    done = await client.patch(
        f"/api/v4/tasks/{task.id}", json={"is_completed": True, "result": {"text": "Договорились"}}
    )
    assert done.status_code == 200
    assert task.is_completed
    shown = (await client.get(f"/api/v4/tasks/{task.id}")).json()
    assert shown["result"] == {"text": "Договорились"}
    types = [e.type for e in state.events if e.entity_id == task.id]
    assert types == ["task_added", "task_result_added", "task_completed"]


async def test_notes_and_call_notes(
    client: httpx.AsyncClient, state: CrmState, seed: SeedInfo
) -> None:
    lead_id = open_lead(state, seed)
    response = await client.post(
        "/api/v4/leads/notes",
        json=[
            {"entity_id": lead_id, "note_type": "common", "params": {"text": "Клиент думает"}},
            {"entity_id": lead_id, "note_type": "call_out",
             "params": {"uniq": "u-1", "duration": 42, "source": "nextstep",
                        "link": "https://x/rec.mp3", "phone": "+79990000000"}},
        ],
    )  # fmt: skip
    assert response.status_code == 200
    ids = [n["id"] for n in response.json()["_embedded"]["notes"]]
    assert [state.notes[i].note_type for i in ids] == ["common", "call_out"]
    listed = (await client.get(f"/api/v4/leads/{lead_id}/notes")).json()["_embedded"]["notes"]
    assert [n["id"] for n in listed] == ids
    kinds = [e.type for e in state.events[-2:]]
    assert kinds == ["common_note_added", "outgoing_call"]

    bad = errors_of(
        await client.post(
            "/api/v4/leads/notes", json=[{"entity_id": lead_id, "note_type": "common"}]
        )
    )
    assert bad[0]["path"] == "params.text"


async def test_salesbot_runs_and_unknown_bot_is_400(
    client: httpx.AsyncClient, state: CrmState, seed: SeedInfo
) -> None:
    lead_id = open_lead(state, seed)
    run = [{"bot_id": 101, "entity_id": lead_id, "entity_type": 2}]
    response = await client.post("/api/v2/salesbot/run", json=run)
    assert response.json() == {"success": True}
    assert state.salesbots[101].runs == [(lead_id, NOW)]
    unknown = [{"bot_id": 5, "entity_id": lead_id, "entity_type": 2}]
    assert (await client.post("/api/v2/salesbot/run", json=unknown)).status_code == 400
    kommo = await client.post(
        "/api/v4/bots/101/run", json={"entity_id": lead_id, "entity_type": "leads"}
    )
    assert kommo.status_code == 202


async def test_create_lead_lands_on_the_first_stage(
    client: httpx.AsyncClient, state: CrmState, seed: SeedInfo
) -> None:
    response = await client.post(
        "/api/v4/leads",
        json=[{"name": "Комплектация: тест", "pipeline_id": seed.pipelines["Комплектация"],
               "price": 100_000, "custom_fields_values": [
                   {"field_id": seed.fields["SOURCE"], "values": [{"value": "Вебинар"}]}]}],
    )  # fmt: skip
    assert response.status_code == 200
    lead = state.leads[response.json()["_embedded"]["leads"][0]["id"]]
    assert lead.status_id == seed.stage("Комплектация", "Новая заявка")
    assert lead.custom_fields[seed.fields["SOURCE"]][0]["value"] == "Вебинар"
    assert state.events[-1].type == "lead_added"
