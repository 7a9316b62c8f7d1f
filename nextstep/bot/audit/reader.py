"""Reads what the audit needs from any CRM, through the CrmClient protocol only.

Deals, tasks and events are read concurrently: the client's limiter keeps the total within the
CRM's rate, and the three walks overlap their waiting. `on_progress(step, count)` is called as
items arrive, so a terminal can show that a long read (tens of thousands of deals at 7 req/s)
is moving.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import TypeVar

from nextstep.bot.audit.compute import CLOSED_STATUS_IDS, is_reopening
from nextstep.crm_client.models import (
    Account,
    CrmEvent,
    Deal,
    Pipeline,
    StageKind,
    Task,
    User,
)
from nextstep.crm_client.protocol import CrmClient

ProgressCallback = Callable[[str, int], None]
T = TypeVar("T")

STATUS_CHANGED = "lead_status_changed"
#: Above this many (pipeline, stage) pairs the open-deal filter would make an unwieldy URL;
#: all deals are read then (compute_audit tells open from closed itself).
MAX_STATUS_FILTER_PAIRS = 100

STEP_USERS = "users"
STEP_PIPELINES = "pipelines"
STEP_DEALS = "open deals"
STEP_TASKS = "open tasks"
STEP_EVENTS = "status changes"
STEP_REOPENED = "reopened deals"
STEPS = (STEP_USERS, STEP_PIPELINES, STEP_DEALS, STEP_TASKS, STEP_EVENTS, STEP_REOPENED)


@dataclass(frozen=True)
class AuditData:
    account: Account | None
    users: list[User]
    pipelines: list[Pipeline]
    deals: list[Deal]
    tasks: list[Task]
    status_events: list[CrmEvent]


def open_stage_pairs(pipelines: list[Pipeline]) -> list[tuple[int, int]]:
    """(pipeline_id, status_id) of every stage that is not won/lost."""
    return [
        (p.id, s.id)
        for p in pipelines
        for s in p.stages
        if s.kind not in (StageKind.WON, StageKind.LOST) and s.id not in CLOSED_STATUS_IDS
    ]


async def _collect(
    items: AsyncIterator[T], step: str, on_progress: ProgressCallback | None
) -> list[T]:
    out: list[T] = []
    async for item in items:
        out.append(item)
        if on_progress is not None:
            on_progress(step, len(out))
    if on_progress is not None:
        on_progress(step, len(out))
    return out


async def read_audit_data(
    crm: CrmClient, *, on_progress: ProgressCallback | None = None, with_account: bool = True
) -> AuditData:
    def report(step: str, count: int) -> None:
        if on_progress is not None:
            on_progress(step, count)

    account = await crm.get_account() if with_account else None
    users = await crm.list_users()
    report(STEP_USERS, len(users))
    pipelines = await crm.list_pipelines()
    report(STEP_PIPELINES, len(pipelines))

    pairs = open_stage_pairs(pipelines)
    deals_iter = (
        crm.iter_deals(status_ids=pairs)
        if 0 < len(pairs) <= MAX_STATUS_FILTER_PAIRS
        else crm.iter_deals()
    )
    deals, tasks, events = await asyncio.gather(
        _collect(deals_iter, STEP_DEALS, on_progress),
        _collect(crm.iter_tasks(is_completed=False), STEP_TASKS, on_progress),
        _collect(crm.iter_events(types=[STATUS_CHANGED]), STEP_EVENTS, on_progress),
    )

    # Deals pulled back from a closed stage and closed again are not among the open ones:
    # read them one by one (there are few), so the report can still weigh them.
    have = {d.id for d in deals}
    missing = sorted({e.entity_id for e in events if is_reopening(e)} - have)
    fetched = 0
    for deal_id in missing:
        deal = await crm.get_deal(deal_id, with_contacts=False)
        if deal is not None:
            deals.append(deal)
        fetched += 1
        report(STEP_REOPENED, fetched)
    report(STEP_REOPENED, fetched)
    return AuditData(account, users, pipelines, deals, tasks, events)
