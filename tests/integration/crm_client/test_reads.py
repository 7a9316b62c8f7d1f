"""Reads over real HTTP: 204 answers, walking every page, and lead-filter detection."""

from __future__ import annotations

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
