"""The seeded accounts: deterministic, shaped like the design studio, and self-consistent (what
an audit computes from the state is what it finds through the API)."""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict

import httpx

from nextstep.sandbox.crm import (
    LOST_STATUS_ID,
    WON_STATUS_ID,
    CrmState,
    SeedInfo,
    seed_design_studio,
    seed_empty_stock,
)
from tests.integration.sandbox_crm.conftest import NOW
from tests.integration.sandbox_crm.test_crm_reads import walk

DAY = 86_400
CLOSED = {WON_STATUS_ID, LOST_STATUS_ID}


def snapshot(state: CrmState) -> tuple[object, ...]:
    return (
        [asdict(lead) for lead in state.leads.values()],
        [asdict(task) for task in state.tasks.values()],
        [asdict(contact) for contact in state.contacts.values()],
        [asdict(event) for event in state.events],
    )


def test_same_seed_same_data_other_seed_other_data() -> None:
    a, b, c = CrmState(), CrmState(), CrmState()
    seed_design_studio(a, deals=300, now=NOW, rng_seed=7)
    seed_design_studio(b, deals=300, now=NOW, rng_seed=7)
    seed_design_studio(c, deals=300, now=NOW, rng_seed=8)
    assert snapshot(a) == snapshot(b)
    assert snapshot(a) != snapshot(c)


def last_stage_change(state: CrmState) -> dict[int, int]:
    """lead id → when it entered its current stage (creation if it never moved)."""
    entered = {lead.id: lead.created_at for lead in state.leads.values()}
    for event in state.events:
        if event.type == "lead_status_changed":
            entered[event.entity_id] = max(entered[event.entity_id], event.created_at)
    return entered


def test_design_studio_shape(state: CrmState, seed: SeedInfo) -> None:
    users = state.users
    assert len(seed.manager_ids) == 8
    assert {users[m].group_id for m in seed.manager_ids} == {1, 2}
    assert Counter(users[m].group_id for m in seed.manager_ids) == {1: 4, 2: 4}
    assert [users[h].group_id for h in seed.head_ids] == [1, 2]
    assert len(seed.estimator_ids) == 2
    assert users[seed.admin_id].is_admin
    assert state.account.subdomain == "rerooms-sandbox"
    assert [p.name for p in state.pipelines.values()] == ["Дизайн", "Ремонт", "Комплектация"]
    assert state.salesbots[101].name == "Не дозвонились"

    leads = list(state.leads.values())
    assert len(leads) == 500
    open_leads = [lead for lead in leads if lead.status_id not in CLOSED]
    won = [lead for lead in leads if lead.status_id == WON_STATUS_ID]
    lost = [lead for lead in leads if lead.status_id == LOST_STATUS_ID]
    assert won
    assert lost
    assert all(lead.loss_reason_id in state.loss_reasons for lead in lost)
    assert all(lead.closed_at for lead in won + lost)
    assert all(lead.contact_ids and lead.price > 0 for lead in leads)
    assert {lead.responsible_user_id for lead in leads} == set(seed.manager_ids)

    open_tasks: dict[int, list[int]] = {}
    for task in state.tasks.values():
        if not task.is_completed and task.entity_id is not None:
            open_tasks.setdefault(task.entity_id, []).append(task.complete_till)
    without_task = [lead.id for lead in open_leads if lead.id not in open_tasks]
    overdue = [lead.id for lead in open_leads if min(open_tasks.get(lead.id, [NOW])) < NOW]
    assert 0.05 * len(open_leads) < len(without_task) < 0.3 * len(open_leads)
    assert len(open_tasks) > 0.6 * len(open_leads)  # most open deals have a task
    assert sorted(without_task) == sorted(seed.no_task_lead_ids)
    assert sorted(overdue) == sorted(seed.overdue_lead_ids)
    assert not any(lead.id in open_tasks for lead in won + lost)

    entered = last_stage_change(state)
    stuck = [lead.id for lead in open_leads if NOW - entered[lead.id] > 20 * DAY]
    assert sorted(stuck) == sorted(seed.stuck_lead_ids)
    assert len(stuck) >= 20
    assert all(NOW - state.leads[i].updated_at > 20 * DAY for i in stuck)

    moved_back = {
        e.entity_id
        for e in state.events
        if e.type == "lead_status_changed"
        and e.value_before[0]["lead_status"]["id"] in CLOSED
        and e.value_after[0]["lead_status"]["id"] not in CLOSED
    }
    assert moved_back == set(seed.moved_back_lead_ids)
    assert len(moved_back) >= 3

    # the stage that demands a project link never holds a lead without one
    ready = seed.stage("Дизайн", "Дизайн-проект готов")
    link = seed.fields["PROJECT_URL"]
    assert all(link in lead.custom_fields for lead in leads if lead.status_id == ready)
    sources = Counter(lead.custom_fields[seed.fields["SOURCE"]][0]["value"] for lead in leads)
    assert set(sources) == {"Сайт", "Instagram", "Рекомендация", "Вебинар"}


async def test_audit_through_the_api_matches_the_state(
    client: httpx.AsyncClient, state: CrmState, seed: SeedInfo
) -> None:
    """Deals without an open task and overdue piles per manager, computed both ways."""
    leads = await walk(client, "/api/v4/leads", "leads", limit=250)
    tasks = await walk(client, "/api/v4/tasks", "tasks", limit=250, **{"filter[is_completed]": 0})
    open_ids = {lead["id"] for lead in leads if lead["status_id"] not in CLOSED}
    with_task = {t["entity_id"] for t in tasks if t["entity_type"] == "leads"}
    assert sorted(open_ids - with_task) == sorted(seed.no_task_lead_ids)
    budget_api = sum(lead["price"] for lead in leads if lead["id"] in open_ids - with_task)
    budget_state = sum(state.leads[i].price for i in seed.no_task_lead_ids)
    assert budget_api == budget_state

    overdue_api = Counter(t["responsible_user_id"] for t in tasks if t["complete_till"] < NOW)
    overdue_state = Counter(
        t.responsible_user_id
        for t in state.tasks.values()
        if not t.is_completed and t.complete_till < NOW
    )
    assert overdue_api == overdue_state
    by_lead = {lead["id"]: lead["closest_task_at"] for lead in leads}
    assert {i for i, at in by_lead.items() if at is not None and at < NOW} == set(
        seed.overdue_lead_ids
    )


def test_stock_account_has_only_the_stock_pipeline() -> None:
    state = CrmState(clock=lambda: NOW)
    info = seed_empty_stock(state)
    (pipeline,) = state.pipelines.values()
    assert pipeline.name == "Воронка"
    assert [s.name for s in sorted(pipeline.statuses, key=lambda s: s.sort)] == [
        "Неразобранное",
        "Первичный контакт",
        "Переговоры",
        "Принимают решение",
        "Согласование договора",
        "Успешно реализовано",
        "Закрыто и не реализовано",
    ]
    assert len(state.users) == 2
    assert not state.leads
    assert info.stage("Воронка", "Переговоры") in {s.id for s in pipeline.statuses}


def test_ten_thousand_deals_build() -> None:
    state = CrmState()
    info = seed_design_studio(state, deals=10_000, now=NOW)
    assert len(state.leads) == 10_000
    assert len(info.moved_back_lead_ids) >= 20
