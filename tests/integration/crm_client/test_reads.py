"""Reads over real HTTP: 204 answers, walking every page, and lead-filter detection."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from nextstep.crm_client.amocrm import AmoCrmClient
from nextstep.sandbox.crm import CrmSandbox, CrmState, SeedInfo, run_crm_sandbox
from tests.integration.crm_client.world import SharedClock, make_client

MISSING_ID = 1


async def test_an_empty_filter_is_an_empty_list(sandbox: CrmSandbox, crm: AmoCrmClient) -> None:
    assert [d async for d in crm.iter_deals(responsible_user_id=999_999)] == []
    assert [t async for t in crm.iter_tasks(entity_id=999_999)] == []
    assert crm.stats.requests == 2  # one 204 each, no retries


async def test_missing_ids_read_as_none(sandbox: CrmSandbox, crm: AmoCrmClient) -> None:
    assert await crm.get_deal(MISSING_ID) is None
    assert await crm.get_task(MISSING_ID) is None
    assert await crm.get_contact(MISSING_ID) is None


async def test_walking_all_deals_yields_each_once(
    sandbox: CrmSandbox, crm: AmoCrmClient, state: CrmState
) -> None:
    deals = [d async for d in crm.iter_deals()]
    ids = [d.id for d in deals]
    expected = {lead.id for lead in state.leads.values() if not lead.is_deleted}
    assert len(expected) == 500
    assert len(ids) == len(set(ids)) == len(expected)
    assert set(ids) == expected
    assert crm.stats.requests == 2  # 250 a page, and `_links.next` ends the walk


async def test_walking_all_tasks_matches_the_state(
    sandbox: CrmSandbox, crm: AmoCrmClient, state: CrmState
) -> None:
    tasks = [t async for t in crm.iter_tasks()]
    assert sorted(t.id for t in tasks) == sorted(state.tasks)
    open_ids = {t.id async for t in crm.iter_tasks(is_completed=False)}
    assert open_ids == {t.id for t in state.tasks.values() if not t.is_completed}


async def test_filtered_walk_matches_the_state(
    sandbox: CrmSandbox, crm: AmoCrmClient, state: CrmState, seed: SeedInfo
) -> None:
    manager = seed.manager_ids[0]
    since = datetime.fromtimestamp(
        max(x.updated_at for x in state.leads.values()) - 14 * 86_400, UTC
    )
    got = {d.id async for d in crm.iter_deals(responsible_user_id=manager, updated_from=since)}
    expected = {
        x.id
        for x in state.leads.values()
        if x.responsible_user_id == manager and x.updated_at >= since.timestamp()
    }
    assert expected
    assert got == expected


async def test_lead_filters_detected_when_the_account_honours_them(
    state: CrmState, seed: SeedInfo, clock: SharedClock
) -> None:
    async with (
        run_crm_sandbox(state, rate_limit=None, filters_enabled=True) as sb,
        make_client(sb, clock) as client,
    ):
        assert await client.lead_filters_supported() is True


async def test_lead_filters_not_detected_when_the_account_ignores_them(
    state: CrmState, seed: SeedInfo, clock: SharedClock
) -> None:
    async with (
        run_crm_sandbox(state, rate_limit=None, filters_enabled=False) as sb,
        make_client(sb, clock) as client,
    ):
        assert await client.lead_filters_supported() is False
        # The client filters locally, so the answer is still right, just dearer.
        manager = seed.manager_ids[1]
        got = {d.id async for d in client.iter_deals(responsible_user_id=manager)}
    assert got == {x.id for x in state.leads.values() if x.responsible_user_id == manager}


async def test_a_contacts_deals_are_read_by_its_lead_ids(
    sandbox: CrmSandbox, crm: AmoCrmClient, state: CrmState
) -> None:
    lead = next(x for x in state.leads.values() if x.contact_ids and not x.is_deleted)
    contact_id = lead.contact_ids[0]
    other = state.next_id("lead", 90_001)
    state.leads[other] = replace(lead, id=other, name="Ещё одна сделка клиента")
    expected = sorted(
        x.id for x in state.leads.values() if contact_id in x.contact_ids and not x.is_deleted
    )
    before = crm.stats.requests
    deals = await crm.list_contact_deals(contact_id)
    assert sorted(d.id for d in deals) == expected
    assert {other, lead.id} <= set(expected)
    assert all(contact_id in d.contact_ids for d in deals)
    assert crm.stats.requests - before == 2  # the contact with=leads, then the leads by id

    sandbox.context.filters_enabled = False  # an account that ignores lead filters
    assert sorted(d.id for d in await crm.list_contact_deals(contact_id)) == expected
    assert await crm.list_contact_deals(MISSING_ID) == []
