"""Reads: 204 handling, HAL pagination, and the JSON → neutral model mapping."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest

from nextstep.crm_client.errors import CrmResponseError
from nextstep.crm_client.models import CrmEventType, StageKind
from tests.unit.crm_client.amocrm_fakes import Router, hal, lead


async def test_204_on_a_list_is_an_empty_list(client, router: Router):
    router.add("GET", "/api/v4/leads", hal(204))
    router.add("GET", "/api/v4/users", hal(204))
    assert [d async for d in client.iter_deals()] == []
    assert await client.list_users() == []


async def test_204_on_a_get_by_id_is_none(client, router: Router):
    router.add("GET", "/api/v4/leads/404", hal(204))
    router.add("GET", "/api/v4/tasks/404", hal(204))
    router.add("GET", "/api/v4/contacts/404", hal(204))
    assert await client.get_deal(404) is None
    assert await client.get_task(404) is None
    assert await client.get_contact(404) is None


def page(entity: str, items: list[dict], number: int, has_next: bool) -> dict:
    links = {"self": {"href": f"https://example.amocrm.ru/api/v4/{entity}?page={number}"}}
    if has_next:
        links["next"] = {"href": f"https://example.amocrm.ru/api/v4/{entity}?page={number + 1}"}
    return {"_page": number, "_links": links, "_embedded": {entity: items}}


async def test_pagination_follows_next_across_pages_and_drops_shifted_duplicates(
    client, router: Router
):
    router.add(
        "GET",
        "/api/v4/leads",
        hal(200, page("leads", [lead(1), lead(2)], 1, True)),
        hal(200, page("leads", [lead(2), lead(3)], 2, True)),  # lead 2 shifted onto page 2
        hal(200, page("leads", [lead(4)], 3, False)),
    )
    since = datetime(2026, 1, 1, tzinfo=UTC)

    deals = [d async for d in client.iter_deals(updated_from=since, pipeline_id=10)]

    assert [d.id for d in deals] == [1, 2, 3, 4]
    calls = router.calls("GET", "/api/v4/leads")
    assert [c.url.params["page"] for c in calls] == ["1", "2", "3"]
    for call in calls:  # the filters travel with every page
        assert call.url.params["limit"] == "250"
        assert call.url.params["filter[updated_at][from]"] == str(int(since.timestamp()))
        assert call.url.params["filter[pipeline_id]"] == "10"
        assert call.url.params["order[updated_at]"] == "asc"


async def test_pagination_stops_at_an_empty_page_even_if_next_is_promised(client, router: Router):
    router.add(
        "GET",
        "/api/v4/tasks",
        hal(200, page("tasks", [{"id": 1, "responsible_user_id": 1}], 1, True)),
        hal(200, {"_page": 2, "_links": {"next": {"href": "x?page=3"}}, "_embedded": {}}),
    )
    assert [t.id async for t in client.iter_tasks()] == [1]
    assert len(router.requests) == 2


async def test_lead_filters_are_sent_and_rechecked_locally(client, router: Router):
    # This account ignores filters: it answers every lead. The client still filters.
    router.add(
        "GET",
        "/api/v4/leads",
        hal(
            200,
            page(
                "leads",
                [
                    lead(1, status_id=100, responsible_user_id=11),
                    lead(2, status_id=200, responsible_user_id=11),
                    lead(3, status_id=100, responsible_user_id=12),
                ],
                1,
                False,
            ),
        ),
    )
    deals = [
        d
        async for d in client.iter_deals(
            status_ids=[(10, 100)], responsible_user_id=11, with_contacts=True
        )
    ]
    assert [d.id for d in deals] == [1]
    params = router.requests[0].url.params
    assert params["filter[statuses][0][pipeline_id]"] == "10"
    assert params["filter[statuses][0][status_id]"] == "100"
    assert params["filter[responsible_user_id]"] == "11"
    assert params["with"] == "contacts"


async def test_newest_first_walk_stops_at_the_first_older_lead(client, router: Router):
    new, old = 1_772_000_500, 1_772_000_000
    router.add(
        "GET",
        "/api/v4/leads",
        hal(200, page("leads", [lead(1, updated_at=new), lead(2, updated_at=old)], 1, True)),
    )
    since = datetime.fromtimestamp(new - 10, UTC)
    deals = [d async for d in client.iter_deals(updated_from=since, order_by_updated_desc=True)]
    assert [d.id for d in deals] == [1]
    assert len(router.requests) == 1  # no second page although "next" was there
    assert router.requests[0].url.params["order[updated_at]"] == "desc"


@pytest.mark.parametrize(("answer", "expected"), [(hal(204), True), (None, False)])
async def test_lead_filters_supported_probes_once_and_caches(
    client, router: Router, answer, expected
):
    if answer is None:  # filters ignored: the far-future filter still returns leads
        answer = hal(200, page("leads", [lead(1)], 1, True))
    router.add("GET", "/api/v4/leads", answer)
    assert await client.lead_filters_supported() is expected
    assert await client.lead_filters_supported() is expected
    assert len(router.requests) == 1
    assert int(router.requests[0].url.params["filter[updated_at][from]"]) > 4_000_000_000


async def test_deal_mapping(client, router: Router):
    router.add(
        "GET",
        "/api/v4/leads/5",
        hal(
            200,
            lead(
                5,
                price=1500.5,
                loss_reason_id=0,
                closest_task_at=1_772_086_400,
                custom_fields_values=[
                    {
                        "field_id": 77,
                        "field_name": "Источник",
                        "field_code": "SOURCE",
                        "field_type": "select",
                        "values": [{"value": "Вебинар", "enum_id": 3}],
                    },
                    {"field_id": 78, "field_name": "Дата игры", "values": [{"value": 1772100000}]},
                ],
                _embedded={
                    "tags": [{"id": 1, "name": "vip"}],
                    "contacts": [{"id": 9, "is_main": False}, {"id": 8, "is_main": True}],
                },
            ),
        ),
    )
    deal = await client.get_deal(5)
    assert deal is not None
    assert router.requests[0].url.params["with"] == "contacts"
    assert deal.source == "Вебинар"
    assert deal.field("Дата игры") == 1772100000
    assert deal.field(77) == "Вебинар"
    assert deal.price == 1500.5
    assert deal.loss_reason_id is None
    assert deal.contact_ids == (8, 9)  # main contact first
    assert deal.tags == ("vip",)
    assert deal.created_at == datetime.fromtimestamp(1_772_000_000, UTC)
    assert deal.closest_task_at == datetime.fromtimestamp(1_772_086_400, UTC)


async def test_deal_source_by_field_name_when_no_code(client, router: Router):
    cfv = [
        {"field_id": 1, "field_name": "Source", "field_code": None, "values": [{"value": "Ads"}]}
    ]
    router.add("GET", "/api/v4/leads/6", hal(200, lead(6, custom_fields_values=cfv)))
    deal = await client.get_deal(6, with_contacts=False)
    assert deal is not None
    assert deal.source == "Ads"
    assert "with" not in router.requests[0].url.params


async def test_pipelines_with_stage_kinds(client, router: Router):
    statuses = [
        {"id": 1000, "name": "Неразобранное", "sort": 10, "pipeline_id": 10, "type": 1},
        {"id": 100, "name": "Первичный контакт", "sort": 20, "pipeline_id": 10, "type": 0},
        {"id": 142, "name": "Успешно реализовано", "sort": 10000, "pipeline_id": 10, "type": 0},
        {"id": 143, "name": "Закрыто и не реализовано", "sort": 11000, "pipeline_id": 10},
    ]
    body = {
        "_embedded": {
            "pipelines": [
                {
                    "id": 10,
                    "name": "Sales",
                    "sort": 1,
                    "is_main": True,
                    "_embedded": {"statuses": statuses},
                }
            ]
        }
    }
    router.add("GET", "/api/v4/leads/pipelines", hal(200, body))
    (pipeline,) = await client.list_pipelines()
    assert pipeline.is_main
    assert [s.kind for s in pipeline.stages] == [
        StageKind.UNSORTED,
        StageKind.WORKING,
        StageKind.WON,
        StageKind.LOST,
    ]
    assert [s.id for s in pipeline.working_stages()] == [100]


async def test_users_rights_are_mapped(client, router: Router):
    users = [
        {
            "id": 1,
            "name": "Anna",
            "email": "a@x",
            "lang": "ru",
            "rights": {"is_admin": True, "is_active": True, "group_id": 0},
        },
        {
            "id": 2,
            "name": "Boris",
            "email": "b@x",
            "lang": "en",
            "rights": {"is_admin": False, "is_active": False, "group_id": 5},
        },
    ]
    router.add("GET", "/api/v4/users", hal(200, page("users", users, 1, False)))
    anna, boris = await client.list_users()
    assert (anna.is_admin, anna.is_active, anna.group_id) == (True, True, 0)
    assert (boris.is_admin, boris.is_active, boris.group_id, boris.lang) == (False, False, 5, "en")


async def test_account_and_loss_reasons(client, router: Router):
    router.add(
        "GET",
        "/api/v4/account",
        hal(
            200,
            {
                "id": 3,
                "name": "Acme",
                "subdomain": "acme",
                "currency": "USD",
                "timezone": "Asia/Almaty",
            },
        ),
    )
    router.add(
        "GET",
        "/api/v4/leads/loss_reasons",
        hal(200, page("loss_reasons", [{"id": 1, "name": "Дорого", "sort": 2}], 1, False)),
    )
    account = await client.get_account()
    assert (account.subdomain, account.currency, account.timezone) == (
        "acme",
        "USD",
        "Asia/Almaty",
    )
    assert [(r.id, r.name) for r in await client.list_loss_reasons()] == [(1, "Дорого")]


def task_json(task_id: int, result) -> dict:
    return {
        "id": task_id, "responsible_user_id": 11, "entity_id": 5, "entity_type": "leads",
        "is_completed": True, "task_type_id": 1, "text": "Call", "complete_till": 1772100000,
        "created_at": 1772000000, "updated_at": 1772000100, "result": result,
    }  # fmt: skip


@pytest.mark.parametrize(
    ("result", "text"), [([], None), ({}, None), ({"text": "Договорились"}, "Договорились")]
)
async def test_task_result_empty_array_is_none(client, router: Router, result, text):
    router.add("GET", "/api/v4/tasks/3", hal(200, task_json(3, result)))
    task = await client.get_task(3)
    assert task is not None
    assert task.result_text == text
    assert task.entity_id == 5
    assert task.complete_till == datetime.fromtimestamp(1772100000, UTC)


async def test_task_filters(client, router: Router):
    router.add("GET", "/api/v4/tasks", hal(204))
    since = datetime(2026, 3, 1, tzinfo=UTC)
    tasks = client.iter_tasks(
        is_completed=False, responsible_user_id=11, entity_id=5, updated_from=since
    )
    assert [t async for t in tasks] == []
    params = router.requests[0].url.params
    assert params["filter[is_completed]"] == "0"
    assert params["filter[responsible_user_id]"] == "11"
    assert params["filter[entity_type]"] == "leads"
    assert params["filter[entity_id]"] == "5"
    assert params["filter[updated_at][from]"] == str(int(since.timestamp()))


async def test_events_are_mapped_to_neutral_types(client, router: Router):
    events = [
        {"id": "01a", "type": "lead_status_changed", "entity_id": 5, "entity_type": "lead",
         "created_by": 11, "created_at": 1772000000, "account_id": 1,
         "value_after": [{"lead_status": {"id": 142, "pipeline_id": 10}}],
         "value_before": [{"lead_status": {"id": 100, "pipeline_id": 10}}]},
        {"id": "01b", "type": "entity_responsible_changed", "entity_id": 5, "entity_type": "lead",
         "created_at": 1772000001, "value_after": [{"responsible_user": {"id": 12}}],
         "value_before": [{"responsible_user": {"id": 11}}]},
        {"id": "01c", "type": "lead_added", "entity_id": 6, "entity_type": "lead",
         "created_at": 1772000002, "value_after": [], "value_before": []},
        {"id": "01d", "type": "task_completed", "entity_id": 3, "entity_type": "task",
         "created_at": 1772000003},
        {"id": "01e", "type": "task_added", "entity_id": 4, "entity_type": "task",
         "created_at": 1772000004},
        {"id": "01f", "type": "sale_field_changed", "entity_id": 5, "entity_type": "lead",
         "created_at": 1772000005},
    ]  # fmt: skip
    router.add("GET", "/api/v4/events", hal(200, page("events", events, 1, False)))
    since = datetime(2026, 2, 1, tzinfo=UTC)

    got = [
        e
        async for e in client.iter_events(
            types=["lead_status_changed", "lead_added"], created_from=since
        )
    ]

    params = router.requests[0].url.params
    assert params["filter[type]"] == "lead_status_changed,lead_added"
    assert params["filter[created_at][from]"] == str(int(since.timestamp()))
    assert params["limit"] == "100"
    assert [e.type for e in got] == [
        CrmEventType.DEAL_STATUS_CHANGED,
        CrmEventType.DEAL_RESPONSIBLE_CHANGED,
        CrmEventType.DEAL_ADDED,
        CrmEventType.TASK_COMPLETED,
        CrmEventType.TASK_ADDED,
        CrmEventType.OTHER,
    ]
    moved = got[0]
    assert (moved.status_id, moved.pipeline_id, moved.old_status_id) == (142, 10, 100)
    assert moved.created_by == 11
    assert moved.dedup_key() == "evt:01a"
    assert got[1].responsible_user_id == 12


async def test_contact_phone_and_email(client, router: Router):
    contact = {
        "id": 8,
        "name": "Ivan",
        "custom_fields_values": [
            {"field_id": 1, "field_code": "PHONE",
             "values": [{"value": "+7 900 000-00-00", "enum_code": "WORK"}]},
            {"field_id": 2, "field_code": "EMAIL", "values": [{"value": "ivan@x.ru"}]},
        ],
    }  # fmt: skip
    router.add("GET", "/api/v4/contacts/8", hal(200, contact))
    got = await client.get_contact(8)
    assert got is not None
    assert (got.name, got.phone, got.email) == ("Ivan", "+7 900 000-00-00", "ivan@x.ru")


async def test_a_success_answer_that_is_not_json_is_an_error_not_an_empty_list(
    client, router: Router
):
    router.add(
        "GET",
        "/api/v4/leads",
        httpx.Response(200, content=b"<html>login</html>", headers={"Content-Type": "text/html"}),
    )
    with pytest.raises(CrmResponseError):
        [d async for d in client.iter_deals()]


async def test_an_entity_missing_required_fields_is_a_response_error(client, router: Router):
    router.add("GET", "/api/v4/leads/5", hal(200, {"id": 5, "name": "no pipeline"}))
    with pytest.raises(CrmResponseError, match="deal_from_json"):
        await client.get_deal(5)
