"""Reads over real HTTP: HAL pages and the next link, 204s, filters (and accounts without
them), `with=contacts`, tasks and the events feed."""

from __future__ import annotations

import httpx

from nextstep.sandbox.crm import CrmState, SeedInfo, run_crm_sandbox
from tests.integration.sandbox_crm.conftest import NOW


async def walk(client: httpx.AsyncClient, path: str, key: str, **params: object) -> list[dict]:
    """Follow `_links.next` until it is gone; a 204 is an empty list."""
    items: list[dict] = []
    url: str | None = path
    query: dict | None = dict(params)
    while url is not None:
        response = await client.get(url, params=query)
        if response.status_code == 204:
            break
        assert response.status_code == 200
        body = response.json()
        items.extend(body["_embedded"][key])
        url = body["_links"].get("next", {}).get("href")
        query = None
    return items


async def test_leads_come_in_hal_pages_linked_by_next(client: httpx.AsyncClient) -> None:
    first = await client.get("/api/v4/leads", params={"limit": 250})
    assert first.status_code == 200
    assert first.headers["Content-Type"].startswith("application/hal+json")
    body = first.json()
    assert body["_page"] == 1
    assert len(body["_embedded"]["leads"]) == 250
    assert "page=2" in body["_links"]["next"]["href"]

    second = await client.get(body["_links"]["next"]["href"])
    body2 = second.json()
    assert body2["_page"] == 2
    assert len(body2["_embedded"]["leads"]) == 250
    assert "next" not in body2["_links"]  # 500 deals: two full pages, nothing more

    past_the_end = await client.get("/api/v4/leads", params={"limit": 250, "page": 3})
    assert past_the_end.status_code == 204
    assert past_the_end.content == b""


async def test_limit_is_capped_at_250(client: httpx.AsyncClient) -> None:
    body = (await client.get("/api/v4/leads", params={"limit": 1000})).json()
    assert len(body["_embedded"]["leads"]) == 250


async def test_missing_lead_task_contact_answer_204(client: httpx.AsyncClient) -> None:
    for path in ("/api/v4/leads/1", "/api/v4/tasks/1", "/api/v4/contacts/1"):
        response = await client.get(path)
        assert response.status_code == 204, path
        assert response.content == b""


async def test_a_filter_matching_nothing_answers_204(client: httpx.AsyncClient) -> None:
    response = await client.get(
        "/api/v4/leads", params={"filter[updated_at][from]": 4_102_444_800}
    )
    assert response.status_code == 204
    assert response.content == b""


async def test_lead_shape_and_contacts(
    client: httpx.AsyncClient, state: CrmState, seed: SeedInfo
) -> None:
    lead_id = min(state.leads)
    body = (await client.get(f"/api/v4/leads/{lead_id}", params={"with": "contacts"})).json()
    lead = state.leads[lead_id]
    for key in ("id", "name", "price", "responsible_user_id", "group_id", "status_id"):
        assert body[key] == getattr(lead, key)
    assert body["pipeline_id"] == lead.pipeline_id
    assert body["account_id"] == seed.account_id
    assert body["_embedded"]["contacts"] == [
        {
            "id": lead.contact_ids[0],
            "is_main": True,
            "_links": {"self": {"href": f"/api/v4/contacts/{lead.contact_ids[0]}"}},
        }
    ]
    source = next(f for f in body["custom_fields_values"] if f["field_code"] == "SOURCE")
    assert source["values"][0]["value"] in {"Сайт", "Instagram", "Рекомендация", "Вебинар"}

    contact = (await client.get(f"/api/v4/contacts/{lead.contact_ids[0]}")).json()
    phone = next(f for f in contact["custom_fields_values"] if f["field_code"] == "PHONE")
    assert phone["values"][0]["value"].startswith("+7 9")
    assert phone["values"][0]["enum_code"] == "WORK"
    assert "leads" not in contact["_embedded"]  # only asked for
    contact_id = lead.contact_ids[0]
    with_leads = await client.get(f"/api/v4/contacts/{contact_id}", params={"with": "leads"})
    expected = sorted(
        x.id for x in state.leads.values() if contact_id in x.contact_ids and not x.is_deleted
    )
    assert with_leads.json()["_embedded"]["leads"] == [
        {"id": i, "_links": {"self": {"href": f"/api/v4/leads/{i}"}}} for i in expected
    ]


async def test_lead_filters_select_by_stage_manager_and_time(
    client: httpx.AsyncClient, state: CrmState, seed: SeedInfo
) -> None:
    stage = seed.stage("Дизайн", "Квалификация")
    pipeline = seed.pipelines["Дизайн"]
    manager = seed.manager_ids[0]
    got = await walk(
        client,
        "/api/v4/leads",
        "leads",
        limit=50,
        **{
            "filter[statuses][0][pipeline_id]": pipeline,
            "filter[statuses][0][status_id]": stage,
            "filter[responsible_user_id]": manager,
        },
    )
    expected = {
        lead.id
        for lead in state.leads.values()
        if lead.status_id == stage and lead.responsible_user_id == manager
    }
    assert expected
    assert {lead["id"] for lead in got} == expected

    week_ago = NOW - 7 * 86_400
    recent = await walk(
        client, "/api/v4/leads", "leads", limit=250, **{"filter[updated_at][from]": week_ago}
    )
    assert {lead["id"] for lead in recent} == {
        lead.id for lead in state.leads.values() if lead.updated_at >= week_ago
    }


async def test_order_by_updated_at_desc(client: httpx.AsyncClient) -> None:
    body = (
        await client.get("/api/v4/leads", params={"order[updated_at]": "desc", "limit": 100})
    ).json()
    stamps = [lead["updated_at"] for lead in body["_embedded"]["leads"]]
    assert stamps == sorted(stamps, reverse=True)


async def test_filters_are_ignored_when_the_account_lacks_them(
    state: CrmState, seed: SeedInfo
) -> None:
    async with (
        run_crm_sandbox(state, rate_limit=None, filters_enabled=False) as sb,
        httpx.AsyncClient(base_url=sb.base_url, headers=sb.headers) as client,
    ):
        far_future = await client.get(
            "/api/v4/leads", params={"filter[updated_at][from]": 4_102_444_800, "limit": 5}
        )
        assert far_future.status_code == 200  # answers leads anyway, silently
        got = await walk(
            client,
            "/api/v4/leads",
            "leads",
            limit=250,
            **{"filter[responsible_user_id]": seed.manager_ids[0]},
        )
        assert len(got) == len(state.leads)
        # task filters always work
        tasks = await walk(
            client, "/api/v4/tasks", "tasks", limit=250,
            **{"filter[responsible_user_id]": seed.manager_ids[0]},
        )  # fmt: skip
        assert {t["responsible_user_id"] for t in tasks} == {seed.manager_ids[0]}


async def test_tasks_filters_and_shape(client: httpx.AsyncClient, state: CrmState) -> None:
    open_tasks = await walk(
        client, "/api/v4/tasks", "tasks", limit=250, **{"filter[is_completed]": 0}
    )
    assert {t["id"] for t in open_tasks} == {
        t.id for t in state.tasks.values() if not t.is_completed
    }
    assert all(t["result"] == [] for t in open_tasks)

    done = await client.get("/api/v4/tasks", params={"filter[is_completed]": 1, "limit": 1})
    task = done.json()["_embedded"]["tasks"][0]
    assert task["is_completed"] is True
    assert isinstance(task["result"]["text"], str)

    lead_id = next(t.entity_id for t in state.tasks.values())
    assert lead_id is not None
    of_lead = await walk(
        client, "/api/v4/tasks", "tasks",
        **{"filter[entity_type]": "leads", "filter[entity_id]": lead_id},
    )  # fmt: skip
    assert {t["id"] for t in of_lead} == {
        t.id for t in state.tasks.values() if t.entity_id == lead_id
    }


async def test_events_feed_is_newest_first_and_filterable(
    client: httpx.AsyncClient, state: CrmState
) -> None:
    body = (await client.get("/api/v4/events", params={"limit": 500})).json()
    events = body["_embedded"]["events"]
    assert len(events) == 100  # events cap the page at 100
    stamps = [e["created_at"] for e in events]
    assert stamps == sorted(stamps, reverse=True)
    assert all(isinstance(e["id"], str) for e in events)

    changes = await walk(
        client, "/api/v4/events", "events", limit=100,
        **{"filter[type]": "lead_status_changed", "filter[created_at][from]": NOW - 86_400},
    )  # fmt: skip
    expected = [
        e for e in state.events if e.type == "lead_status_changed" and e.created_at >= NOW - 86_400
    ]
    assert len(changes) == len(expected)
    assert all("lead_status" in e["value_after"][0] for e in changes)


async def test_account_users_pipelines_loss_reasons(
    client: httpx.AsyncClient, seed: SeedInfo
) -> None:
    account = (await client.get("/api/v4/account")).json()
    assert account["subdomain"] == "rerooms-sandbox"
    assert account["timezone"] == "Europe/Moscow"
    assert account["currency"] == "RUB"

    users = (await client.get("/api/v4/users")).json()["_embedded"]["users"]
    by_id = {u["id"]: u for u in users}
    assert by_id[seed.admin_id]["rights"]["is_admin"] is True
    assert by_id[seed.head_ids[0]]["rights"]["group_id"] == 1

    pipelines = (await client.get("/api/v4/leads/pipelines")).json()["_embedded"]["pipelines"]
    assert [p["name"] for p in pipelines] == ["Дизайн", "Ремонт", "Комплектация"]
    for pipeline in pipelines:
        statuses = pipeline["_embedded"]["statuses"]
        assert statuses[0]["type"] == 1
        assert statuses[0]["name"] == "Неразобранное"
        assert {142, 143} <= {s["id"] for s in statuses}

    reasons = (await client.get("/api/v4/leads/loss_reasons")).json()["_embedded"]["loss_reasons"]
    assert {"Перестал отвечать", "Дорого", "Не актуально", "Выбрали других"} <= {
        r["name"] for r in reasons
    }
