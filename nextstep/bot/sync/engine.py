"""`sync_crm`: fill the local mirror from the CRM, in full or from the last checkpoint.

The periodic sync is the safety net for lost webhooks, so it must be right on every account:

- **full**: every lead, every open task, every pipeline and user, and the whole status-change
  history (for the time each deal entered its stage). Deals the CRM no longer lists are marked
  deleted; open tasks it no longer lists are marked completed.
- **incremental**: leads and tasks updated since the checkpoint (minus an overlap), and the
  status/responsible/deletion events since the events checkpoint. Lead filters are an alpha/paid
  feature some accounts silently ignore; there the walk goes newest-first
  (`order[updated_at]=desc`) and stops at the checkpoint instead of relying on the filter.
  Every lead is deduplicated by id (pages shift while a walk runs).

Reads run concurrently (the client's limiter keeps the total within the CRM's rate); the writes
go in one transaction, and only rows that differ are written, so a second run reports 0 changed.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from nextstep.bot.storage import Database
from nextstep.bot.storage.mirror import MirrorRepository, SyncStateRepository, deal_row, task_row
from nextstep.bot.storage.models import CrmDeal, CrmPipeline, CrmTask, CrmUser
from nextstep.bot.storage.reopened import observe_events
from nextstep.bot.sync import checkpoint
from nextstep.bot.sync.mirror_diff import (
    differs,
    load_by_ids,
    pipelines_changed,
    users_changed,
)
from nextstep.bot.sync.report import EntityCounts, SyncReport
from nextstep.bot.sync.stages import latest_status_change, stage_entered_at
from nextstep.crm_client.models import CrmEvent, CrmEventType, Deal, Pipeline, Task, User
from nextstep.crm_client.protocol import CrmClient

log = logging.getLogger(__name__)
T = TypeVar("T")

STATUS_CHANGED = "lead_status_changed"
RESPONSIBLE_CHANGED = "entity_responsible_changed"
LEAD_DELETED = "lead_deleted"
FULL_EVENT_TYPES = (STATUS_CHANGED,)
INCREMENTAL_EVENT_TYPES = (STATUS_CHANGED, RESPONSIBLE_CHANGED, LEAD_DELETED)
#: Deals named only by events (not in the lead walk) are re-read one by one, up to this many;
#: more means the walk itself is off, and the next full sync is the cure.
MAX_EVENT_REFETCH = 500


@dataclass
class _Fetched:
    users: list[User]
    pipelines: list[Pipeline]
    deals: dict[int, Deal]
    tasks: dict[int, Task]
    events: list[CrmEvent]
    deleted_deal_ids: set[int]


def _requests(crm: CrmClient) -> int:
    stats: Any = getattr(crm, "stats", None)
    return int(getattr(stats, "requests", 0) or 0)


async def lead_filters_supported(crm: CrmClient) -> bool:
    """Ask the adapter if it can tell (AmoCrmClient can); assume not otherwise, which is slower
    but right on every account."""
    probe = getattr(crm, "lead_filters_supported", None)
    if probe is None:
        return False
    return bool(await probe())


#: Items taken from a walk between two yields to the event loop: parsing a 250-deal page in one
#: go would hold back the other walks' requests (and their place in the limiter's window).
YIELD_EVERY = 25


async def _collect(items: AsyncIterator[T]) -> list[T]:
    out: list[T] = []
    async for item in items:
        out.append(item)
        if len(out) % YIELD_EVERY == 0:
            await asyncio.sleep(0)
    return out


def _dedup_deals(deals: Sequence[Deal]) -> dict[int, Deal]:
    """One copy per id: the newest (a lead updated mid-walk can show up on two pages)."""
    out: dict[int, Deal] = {}
    for deal in deals:
        seen = out.get(deal.id)
        if seen is None or deal.updated_at >= seen.updated_at:
            out[deal.id] = deal
    return out


def _is_lead_event(event: CrmEvent) -> bool:
    return event.entity in ("lead", "leads")


async def _fetch_full(crm: CrmClient) -> _Fetched:
    # All five reads at once: the limiter, not the order of the reads, sets the pace.
    users, pipelines, deals, tasks, events = await asyncio.gather(
        crm.list_users(),
        crm.list_pipelines(),
        _collect(crm.iter_deals()),
        _collect(crm.iter_tasks(is_completed=False)),
        _collect(crm.iter_events(types=FULL_EVENT_TYPES)),
    )
    return _Fetched(
        users,
        pipelines,
        _dedup_deals(deals),
        {t.id: t for t in tasks},
        [e for e in events if _is_lead_event(e)],
        set(),
    )


async def _fetch_incremental(
    crm: CrmClient,
    *,
    deals_from: datetime | None,
    tasks_from: datetime | None,
    events_from: datetime | None,
    filters: bool,
) -> _Fetched:
    users = await crm.list_users()
    pipelines = await crm.list_pipelines()
    deals_walk = crm.iter_deals(updated_from=deals_from, order_by_updated_desc=not filters)
    deals, tasks, events = await asyncio.gather(
        _collect(deals_walk),
        _collect(crm.iter_tasks(updated_from=tasks_from)),
        _collect(crm.iter_events(types=INCREMENTAL_EVENT_TYPES, created_from=events_from)),
    )
    by_id = _dedup_deals(deals)
    lead_events = [e for e in events if _is_lead_event(e)]
    deleted = {e.entity_id for e in lead_events if e.type is CrmEventType.DEAL_DELETED}
    # Changes the events feed knows of but the lead walk did not return (on an account whose
    # lead `updated_at` is not bumped by them, or a lead changed after its page was read).
    named = sorted({e.entity_id for e in lead_events} - by_id.keys() - deleted)
    if len(named) > MAX_EVENT_REFETCH:
        log.warning(
            "%d deals named only by events; re-reading the first %d", len(named), MAX_EVENT_REFETCH
        )
    for deal_id in named[:MAX_EVENT_REFETCH]:
        deal = await crm.get_deal(deal_id, with_contacts=False)
        if deal is None:
            deleted.add(deal_id)
        else:
            by_id[deal.id] = deal
    return _Fetched(users, pipelines, by_id, {t.id: t for t in tasks}, lead_events, deleted)


async def _apply_deals(
    session: AsyncSession, fetched: _Fetched, *, full: bool, counts: EntityCounts
) -> None:
    mirror = MirrorRepository(session)
    deals = fetched.deals
    counts.fetched = len(deals)
    if full:
        stored = {row.id: row for row in await session.scalars(select(CrmDeal))}
    else:
        stored = await load_by_ids(
            session, CrmDeal, sorted(deals.keys() | fetched.deleted_deal_ids)
        )
    latest = latest_status_change(fetched.events)
    changed: list[Deal] = []
    entered: list[dict[str, Any]] = []
    for deal in deals.values():
        row = stored.get(deal.id)
        if row is not None and row.updated_at > deal.updated_at:
            counts.unchanged += 1  # the mirror already has a newer copy (from a webhook)
            continue
        wanted = deal_row(deal)
        wanted["stage_entered_at"] = stage_entered_at(
            deal,
            latest.get(deal.id),
            stored_status=(row.pipeline_id, row.status_id) if row is not None else None,
            stored_entered_at=row.stage_entered_at if row is not None else None,
            history_complete=full,
        )
        if row is None:
            counts.inserted += 1
        elif differs(wanted, row):
            counts.updated += 1
        else:
            counts.unchanged += 1
            continue
        changed.append(deal)
        entered.append({"deal_id": deal.id, "entered": wanted["stage_entered_at"]})
    await mirror.upsert_deals(changed)
    if entered:
        # The mirror's upsert guesses the stage time; the events feed knows it.
        stmt = (
            update(CrmDeal)
            .where(CrmDeal.id == bindparam("deal_id"))
            .values(stage_entered_at=bindparam("entered"))
        )
        # On the connection, not the ORM session: a Core executemany (one statement compiled
        # for all rows), not the ORM's per-row bulk update.
        await (await session.connection()).execute(stmt, entered)
    gone = (stored.keys() - deals.keys()) if full else fetched.deleted_deal_ids
    gone_ids = sorted(i for i in gone if i in stored and not stored[i].is_deleted)
    if gone_ids:
        await session.execute(
            update(CrmDeal)
            .where(CrmDeal.id.in_(gone_ids))
            .values(is_deleted=True)
            .execution_options(synchronize_session=False)
        )
        counts.updated += len(gone_ids)


async def _apply_tasks(
    session: AsyncSession, fetched: _Fetched, *, full: bool, counts: EntityCounts
) -> None:
    tasks = fetched.tasks
    counts.fetched = len(tasks)
    if full:
        stored = {row.id: row for row in await session.scalars(select(CrmTask))}
    else:
        stored = await load_by_ids(session, CrmTask, sorted(tasks))
    changed: list[Task] = []
    for task in tasks.values():
        row = stored.get(task.id)
        if row is None and task.is_completed:
            counts.unchanged += 1  # the mirror keeps open tasks (and completions of known ones)
            continue
        if row is None:
            counts.inserted += 1
        elif (
            row.updated_at is not None
            and task.updated_at is not None
            and row.updated_at > task.updated_at
        ):
            counts.unchanged += 1
            continue
        elif differs(task_row(task), row):
            counts.updated += 1
        else:
            counts.unchanged += 1
            continue
        changed.append(task)
    await MirrorRepository(session).upsert_tasks(changed)
    if full:
        # A full sync reads open tasks only: an open task the CRM no longer lists was
        # completed or deleted; either way it is no next step any more.
        closed = sorted(i for i, row in stored.items() if i not in tasks and not row.is_completed)
        if closed:
            await session.execute(
                update(CrmTask)
                .where(CrmTask.id.in_(closed))
                .values(is_completed=True)
                .execution_options(synchronize_session=False)
            )
            counts.updated += len(closed)


async def sync_crm(crm: CrmClient, db: Database, *, full: bool, now: datetime) -> SyncReport:
    """Mirror the CRM into `db`; `full=False` falls back to full when there is no checkpoint.

    `now` stamps the sync state (when the last run happened); checkpoints come from the CRM's
    own timestamps.
    """
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    requests_before = _requests(crm)
    async with db.session() as session:
        state = SyncStateRepository(session)
        marks = {
            key: await checkpoint.read(state, key)
            for key in (checkpoint.DEALS, checkpoint.TASKS, checkpoint.EVENTS)
        }
    if not full and marks[checkpoint.DEALS] is None:
        log.info("no sync checkpoint yet: running a full sync")
        full = True

    report = SyncReport(full=full)
    if full:
        fetched = await _fetch_full(crm)
    else:
        report.lead_filters = await lead_filters_supported(crm)
        fetched = await _fetch_incremental(
            crm,
            deals_from=checkpoint.since(marks[checkpoint.DEALS]),
            tasks_from=checkpoint.since(marks[checkpoint.TASKS] or marks[checkpoint.DEALS]),
            events_from=checkpoint.since(marks[checkpoint.EVENTS] or marks[checkpoint.DEALS]),
            filters=report.lead_filters,
        )
    report.events = len(fetched.events)

    async with db.transaction() as session:
        mirror = MirrorRepository(session)
        users = await users_changed(session, fetched.users)
        report.users = _counts(len(fetched.users), users, await _known_user_ids(session))
        await mirror.upsert_users(users)
        pipelines = await pipelines_changed(session, fetched.pipelines)
        report.pipelines = _counts(
            len(fetched.pipelines), pipelines, await _known_pipeline_ids(session)
        )
        await mirror.upsert_pipelines(pipelines)
        await _apply_deals(session, fetched, full=full, counts=report.deals)
        await _apply_tasks(session, fetched, full=full, counts=report.tasks)
        # Moves out of won/lost since the last run, for the SLA closed-stage guard.
        seen_from = checkpoint.since(marks[checkpoint.EVENTS] or marks[checkpoint.DEALS])
        await observe_events(session, fetched.events, seen_from, now)

        state = SyncStateRepository(session)
        deals_mark = checkpoint.newest(
            marks[checkpoint.DEALS], (d.updated_at for d in fetched.deals.values())
        )
        tasks_mark = checkpoint.newest(
            marks[checkpoint.TASKS] or marks[checkpoint.DEALS],
            (t.updated_at for t in fetched.tasks.values()),
        )
        events_mark = checkpoint.newest(
            marks[checkpoint.EVENTS] or marks[checkpoint.DEALS],
            (e.occurred_at for e in fetched.events),
        )
        # An empty account still needs a checkpoint, or every run would be a full one.
        await checkpoint.write(state, checkpoint.DEALS, deals_mark or now, now)
        await checkpoint.write(state, checkpoint.TASKS, tasks_mark or deals_mark or now, now)
        await checkpoint.write(state, checkpoint.EVENTS, events_mark or deals_mark or now, now)
        if full:
            await checkpoint.write(state, checkpoint.LAST_FULL, now, now)
        report.requests = _requests(crm) - requests_before
        await state.set(checkpoint.LAST_RUN, _last_run(report, now), now)
    log.info("%s", report.summary())
    return report


async def _known_user_ids(session: AsyncSession) -> set[int]:
    return set(await session.scalars(select(CrmUser.id)))


async def _known_pipeline_ids(session: AsyncSession) -> set[int]:
    return set(await session.scalars(select(CrmPipeline.id)))


def _counts(
    fetched: int, changed: Sequence[User] | Sequence[Pipeline], known: set[int]
) -> EntityCounts:
    inserted = sum(1 for item in changed if item.id not in known)
    return EntityCounts(
        fetched=fetched,
        inserted=inserted,
        updated=len(changed) - inserted,
        unchanged=fetched - len(changed),
    )


def _last_run(report: SyncReport, now: datetime) -> dict[str, Any]:
    return {
        "at": now.isoformat(),
        "full": report.full,
        "lead_filters": report.lead_filters,
        "changed": report.changed,
        "deals": report.deals.changed,
        "tasks": report.tasks.changed,
        "requests": report.requests,
    }
