"""sync_crm against the seeded sandbox over real HTTP: a full sync mirrors it exactly, a second
sync changes nothing, and an incremental one picks up exactly what changed — with the lead
filters honoured and with them silently ignored."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
from pydantic import SecretStr

from nextstep.bot.storage import Database
from nextstep.bot.sync import sync_crm
from nextstep.crm_client.amocrm import AmoCrmClient
from nextstep.crm_client.models import DealPatch
from nextstep.sandbox.crm.runner import run_crm_sandbox
from nextstep.sandbox.crm.seed import SeedInfo, seed_design_studio
from nextstep.sandbox.crm.state import CrmState
from tests.integration.sync.mirror_snapshot import (
    mirrored_deals,
    mirrored_open_tasks,
    mirrored_stage_times,
    sandbox_deals,
    sandbox_open_tasks,
    sandbox_stage_times,
    snapshot,
)

DEALS = 260  # two pages of leads (250 a page)
HOUR = 3600


@dataclass
class World:
    state: CrmState
    info: SeedInfo
    crm: AmoCrmClient


@asynccontextmanager
async def sandbox(*, filters_enabled: bool = True) -> AsyncIterator[World]:
    state = CrmState()
    info = seed_design_studio(state, deals=DEALS)
    # No request limit here (the benchmark measures pacing); the client still paces itself.
    async with (
        run_crm_sandbox(state, rate_limit=None, filters_enabled=filters_enabled) as sb,
        AmoCrmClient(sb.base_url, token=SecretStr(sb.token), rate_limit=500) as crm,
    ):
        yield World(state, info, crm)


def now(state: CrmState) -> datetime:
    return datetime.fromtimestamp(state.now(), UTC)


async def test_full_sync_mirrors_the_sandbox_exactly(db: Database) -> None:
    async with sandbox() as w:
        report = await sync_crm(w.crm, db, full=True, now=now(w.state))
    assert await mirrored_deals(db) == sandbox_deals(w.state)
    assert await mirrored_open_tasks(db) == sandbox_open_tasks(w.state)
    assert await mirrored_stage_times(db) == sandbox_stage_times(w.state)
    mirror = await snapshot(db)
    assert {row[0] for row in mirror["crm_users"]} == set(w.state.users)
    assert {row[0] for row in mirror["crm_pipelines"]} == set(w.state.pipelines)
    stage_count = sum(len(p.statuses) for p in w.state.pipelines.values())
    assert len(mirror["crm_stages"]) == stage_count
    assert report.full
    assert (report.deals.fetched, report.deals.inserted) == (DEALS, DEALS)
    assert report.tasks.inserted == len(sandbox_open_tasks(w.state))
    assert report.users.inserted == len(w.state.users)
    assert report.requests > 0


@pytest.mark.parametrize("full", [True, False], ids=["full-again", "incremental"])
async def test_a_second_sync_changes_nothing(db: Database, full: bool) -> None:
    async with sandbox() as w:
        await sync_crm(w.crm, db, full=True, now=now(w.state))
        before = await snapshot(db)
        again = await sync_crm(w.crm, db, full=full, now=now(w.state))
    assert await snapshot(db) == before
    assert again.changed == 0
    assert "0 changed" in again.summary()
    assert again.full is full


async def test_the_first_incremental_sync_is_a_full_one(db: Database) -> None:
    async with sandbox() as w:
        report = await sync_crm(w.crm, db, full=False, now=now(w.state))
    assert report.full
    assert await mirrored_deals(db) == sandbox_deals(w.state)


@pytest.mark.parametrize("filters_enabled", [True, False], ids=["filters", "no-filters"])
async def test_incremental_sync_picks_up_exactly_the_changed_deals(
    db: Database, filters_enabled: bool
) -> None:
    async with sandbox(filters_enabled=filters_enabled) as w:
        full = await sync_crm(w.crm, db, full=True, now=now(w.state))
        before = await mirrored_deals(db)
        times_before = await mirrored_stage_times(db)
        w.state.shift_clock(2 * HOUR)  # the changes happen later that day
        lead_a, lead_b, lead_c = sorted(
            (lead for lead in w.state.leads.values() if lead.status_id not in (142, 143)),
            key=lambda lead: lead.updated_at,
        )[:3]  # the three least recently touched: far behind the checkpoint
        pipeline = w.state.pipelines[lead_a.pipeline_id]
        target = next(
            s.id
            for s in sorted(pipeline.statuses, key=lambda s: s.sort)
            if s.type == 0 and s.id not in (lead_a.status_id, 142, 143)
        )
        other_manager = next(u for u in w.info.manager_ids if u != lead_b.responsible_user_id)
        await w.crm.update_deal(lead_a.id, DealPatch(status_id=target))
        await w.crm.update_deal(lead_b.id, DealPatch(responsible_user_id=other_manager))
        await w.crm.update_deal(lead_c.id, DealPatch(price=lead_c.price + 1000))
        requests_before = w.crm.stats.requests
        report = await sync_crm(w.crm, db, full=False, now=now(w.state))
        incremental_requests = w.crm.stats.requests - requests_before
        after = await mirrored_deals(db)
        stage_times = await mirrored_stage_times(db)
        moved_at = datetime.fromtimestamp(w.state.leads[lead_a.id].updated_at, UTC)

    assert after == sandbox_deals(w.state)
    changed = {i for i in after if after[i] != before.get(i)}
    assert changed == {lead_a.id, lead_b.id, lead_c.id}
    assert (report.deals.inserted, report.deals.updated) == (0, 3)
    assert report.lead_filters is filters_enabled
    assert report.full is False
    # the moved deal entered its new stage when it moved (from the events feed)
    assert stage_times[lead_a.id] == moved_at
    assert stage_times[lead_b.id] == times_before[lead_b.id]  # same stage: same time
    assert stage_times[lead_a.id] != times_before[lead_a.id]
    # without filters the walk went newest-first and stopped at the checkpoint: one page of
    # leads, not the whole account
    assert incremental_requests < full.requests
    assert report.deals.fetched < DEALS


async def test_incremental_sync_sees_completed_and_new_tasks(db: Database) -> None:
    async with sandbox(filters_enabled=False) as w:
        await sync_crm(w.crm, db, full=True, now=now(w.state))
        w.state.shift_clock(HOUR)
        open_task = next(t for t in w.state.tasks.values() if not t.is_completed)
        await w.crm.complete_task(open_task.id, "Созвонились")
        report = await sync_crm(w.crm, db, full=False, now=now(w.state))
        assert await mirrored_open_tasks(db) == sandbox_open_tasks(w.state)
    assert report.tasks.updated == 1
    assert open_task.id not in await mirrored_open_tasks(db)


async def test_a_full_sync_marks_deals_gone_from_the_crm_as_deleted(db: Database) -> None:
    async with sandbox() as w:
        await sync_crm(w.crm, db, full=True, now=now(w.state))
        gone = next(iter(w.state.leads.values()))
        gone.is_deleted = True
        report = await sync_crm(w.crm, db, full=True, now=now(w.state))
    assert gone.id not in await mirrored_deals(db)
    assert report.deals.updated == 1
