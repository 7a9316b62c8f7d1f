"""Writes: the bodies amoCRM expects, and validation errors surfaced with their messages."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from nextstep.crm_client.errors import CrmBadRequest, CrmError
from nextstep.crm_client.models import CallNote, DealPatch, NewDeal, NewTask, TaskPatch
from tests.unit.crm_client.amocrm_fakes import Router, body_of, hal

DUE = datetime(2026, 3, 3, 12, 0, tzinfo=UTC)
UPDATED = hal(200, {"id": 5, "updated_at": 1772000000})


async def test_update_deal_patches_only_the_given_fields(client, router: Router):
    router.add("PATCH", "/api/v4/leads/5", UPDATED)
    patch = DealPatch(status_id=143, loss_reason_id=4, custom_fields={77: "Сайт", 78: None})
    await client.update_deal(5, patch)
    assert body_of(router.requests[0]) == {
        "status_id": 143,
        "loss_reason_id": 4,
        "custom_fields_values": [
            {"field_id": 77, "values": [{"value": "Сайт"}]},
            {"field_id": 78, "values": None},
        ],
    }


async def test_an_empty_patch_sends_nothing(client, router: Router):
    await client.update_deal(5, DealPatch())
    await client.update_task(5, TaskPatch())
    assert router.requests == []


async def test_validation_error_becomes_bad_request_with_the_messages(client, router: Router):
    problem = {
        "validation-errors": [
            {
                "request_id": "0",
                "errors": [
                    {
                        "code": "NotSupportedChoice",
                        "path": "status_id",
                        "detail": "The value you selected is not a valid choice.",
                    },
                    {"code": "FieldRequired", "path": "custom_fields_values", "detail": "Budget"},
                ],
            }
        ],
        "title": "Bad Request",
        "type": "https://httpstatus.es/400",
        "status": 400,
        "detail": "Request validation failed",
    }
    router.add("PATCH", "/api/v4/leads/5", hal(400, problem))
    with pytest.raises(CrmBadRequest) as info:
        await client.update_deal(5, DealPatch(status_id=999))
    assert info.value.errors == [
        "status_id: The value you selected is not a valid choice.",
        "custom_fields_values: Budget",
    ]
    assert "Request validation failed" in str(info.value)
    assert len(router.requests) == 1  # a refusal is not retried


async def test_create_deal(client, router: Router):
    router.add("POST", "/api/v4/leads", hal(200, {"_embedded": {"leads": [{"id": 51}]}}))
    deal = NewDeal(
        name="Повторная продажа", pipeline_id=20, status_id=200, price=1000.0,
        responsible_user_id=11, custom_fields={77: ["a", "b"]}, contact_ids=(8,),
    )  # fmt: skip
    assert await client.create_deal(deal) == 51
    assert body_of(router.requests[0]) == [
        {
            "name": "Повторная продажа",
            "pipeline_id": 20,
            "status_id": 200,
            "price": 1000,
            "responsible_user_id": 11,
            "custom_fields_values": [{"field_id": 77, "values": [{"value": "a"}, {"value": "b"}]}],
            "_embedded": {"contacts": [{"id": 8}]},
        }
    ]


async def test_create_without_an_id_in_the_answer_is_an_error(client, router: Router):
    router.add("POST", "/api/v4/leads", hal(200, {"_embedded": {"leads": []}}))
    with pytest.raises(CrmError):
        await client.create_deal(NewDeal(name="x", pipeline_id=1))


async def test_create_task(client, router: Router):
    router.add("POST", "/api/v4/tasks", hal(200, {"_embedded": {"tasks": [{"id": 61}]}}))
    task = NewTask(text="Перезвонить", complete_till=DUE, entity_id=5, responsible_user_id=11)
    assert await client.create_task(task) == 61
    assert body_of(router.requests[0]) == [
        {
            "text": "Перезвонить",
            "complete_till": int(DUE.timestamp()),
            "entity_id": 5,
            "entity_type": "leads",
            "task_type_id": 1,
            "responsible_user_id": 11,
        }
    ]


async def test_update_and_complete_task(client, router: Router):
    router.add("PATCH", "/api/v4/tasks/61", UPDATED)
    await client.update_task(61, TaskPatch(complete_till=DUE, responsible_user_id=12))
    await client.complete_task(61, "Клиент думает")
    assert [body_of(r) for r in router.requests] == [
        {"complete_till": int(DUE.timestamp()), "responsible_user_id": 12},
        {"is_completed": True, "result": {"text": "Клиент думает"}},
    ]


async def test_add_note(client, router: Router):
    router.add("POST", "/api/v4/leads/notes", hal(200, {"_embedded": {"notes": [{"id": 71}]}}))
    assert await client.add_note(5, "Клиент попросил КП") == 71
    assert body_of(router.requests[0]) == [
        {"entity_id": 5, "note_type": "common", "params": {"text": "Клиент попросил КП"}}
    ]


async def test_add_call_note(client, router: Router):
    router.add("POST", "/api/v4/leads/notes", hal(200, {"_embedded": {"notes": [{"id": 72}]}}))
    note = CallNote(
        entity_id=5, phone="+79000000000", duration=65, uniq="call-1", link="https://rec/1.mp3",
        call_status=4, call_result="Договорились о встрече", responsible_user_id=11,
    )  # fmt: skip
    assert await client.add_call_note(note) == 72
    assert body_of(router.requests[0]) == [
        {
            "entity_id": 5,
            "note_type": "call_out",
            "responsible_user_id": 11,
            "created_by": 11,
            "params": {
                "uniq": "call-1",
                "duration": 65,
                "source": "nextstep",
                "phone": "+79000000000",
                "link": "https://rec/1.mp3",
                "call_status": 4,
                "call_result": "Договорились о встрече",
            },
        }
    ]


async def test_inbound_call_note_without_uniq_gets_one(client, router: Router):
    router.add("POST", "/api/v4/leads/notes", hal(200, {"_embedded": {"notes": [{"id": 73}]}}))
    await client.add_call_note(CallNote(entity_id=5, direction="inbound", phone="1"))
    (sent,) = body_of(router.requests[0])
    assert sent["note_type"] == "call_in"
    assert sent["params"]["uniq"]


async def test_run_salesbot(client, router: Router):
    router.add("POST", "/api/v2/salesbot/run", hal(200, {"success": True}))
    await client.run_salesbot(9, 5)
    assert body_of(router.requests[0]) == [{"bot_id": 9, "entity_id": 5, "entity_type": 2}]


async def test_run_salesbot_refused(client, router: Router):
    router.add("POST", "/api/v2/salesbot/run", hal(200, {"success": False}))
    with pytest.raises(CrmError):
        await client.run_salesbot(9, 5)
