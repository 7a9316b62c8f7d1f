"""Inbox and timer entry points: CRM events and due tasks become engine events.

- a deal new to us (or newly given to someone) → `DealAssigned` (take task + card);
- a deal or task changed in the CRM → `DealChangedElsewhere` (cards follow the CRM);
- a task coming due (a timer) → `TaskDue` (the card with the outcome buttons).
"""

from __future__ import annotations

import logging
from datetime import timedelta

from nextstep.bot.engine.events import DealAssigned, DealChangedElsewhere, Event, TaskDue
from nextstep.bot.engine.state import DealView
from nextstep.bot.services.deps import Services
from nextstep.bot.services.executor import Executed
from nextstep.bot.services.flow import EventMaker, close_cards, read_deal, run_event
from nextstep.bot.services.rules.hook import after_crm_event
from nextstep.bot.services.sla.reopened import note_status_change
from nextstep.bot.storage import Repositories
from nextstep.bot.storage.inbox import claim_inbox, mark_inbox_done, mark_inbox_failed
from nextstep.crm_client.errors import CrmError
from nextstep.crm_client.models import CrmEvent, CrmEventType, Deal

log = logging.getLogger(__name__)
INBOX_LEASE = timedelta(minutes=2)
RETRY_AFTER = timedelta(seconds=30)
TASK_EVENTS = frozenset(
    {
        CrmEventType.TASK_ADDED,
        CrmEventType.TASK_UPDATED,
        CrmEventType.TASK_COMPLETED,
        CrmEventType.TASK_DELETED,
    }
)


async def process_crm_event(services: Services, event: CrmEvent) -> Executed | None:
    """Act on one CRM change, as re-read through the API (raises CrmError to retry later)."""
    deal_id = await _deal_of(services, event)
    if deal_id is None:
        return None
    key = f"crm:{event.dedup_key()}"
    if event.type is CrmEventType.DEAL_DELETED:
        await close_cards(services, deal_id, key)
        return None
    fresh = await read_deal(services, deal_id)
    if fresh is None:
        await close_cards(services, deal_id, key)
        return None
    deal, tasks = fresh
    async with services.db.transaction() as session:
        old = await Repositories(session).mirror.get_deal(deal_id)
    make: EventMaker = _assigned
    if old is None or event.type is CrmEventType.DEAL_ADDED:
        key = f"assigned:{deal.id}:{deal.responsible_user_id}"
    else:
        make = _changed(event, old)
    result = await run_event(services, deal_id, make, key, fetched=fresh)
    if old is not None:
        await note_status_change(services, event, old, deal)  # the closed-stage guard
    await after_crm_event(services, event, old, fresh)  # hand-offs, linked deals, dates, NPS
    async with services.db.transaction() as session:
        mirror = Repositories(session).mirror
        await mirror.upsert_deals([deal])
        await mirror.upsert_tasks(tasks)
    return result


def _assigned(view: DealView) -> Event:
    return DealAssigned()


def _changed(event: CrmEvent, old: Deal) -> EventMaker:
    changed = DealChangedElsewhere(
        old_pipeline_id=event.old_pipeline_id or old.pipeline_id,
        old_status_id=event.old_status_id or old.status_id,
        old_responsible_user_id=old.responsible_user_id,
    )
    return lambda view: changed


async def _deal_of(services: Services, event: CrmEvent) -> int | None:
    if event.entity in ("lead", "leads", "deal"):
        return event.entity_id
    if event.type not in TASK_EVENTS:
        return None
    task = await services.crm.get_task(event.entity_id)
    if task is None or task.entity_type not in ("leads", "lead") or task.entity_id is None:
        return None
    return task.entity_id


async def task_due(services: Services, task_id: int) -> Executed | None:
    """A task came due (the timer/sweep calls this): its owner gets the card to act on it."""
    task = await services.crm.get_task(task_id)
    if task is None or task.is_completed or task.entity_id is None:
        return None
    key = f"due:{task_id}:{int(task.complete_till.timestamp())}"
    return await run_event(services, task.entity_id, lambda view: TaskDue(task_id), key)


async def process_inbox(services: Services, limit: int = 50) -> int:
    """Process due inbox events (CRM webhooks / sync); a failure is retried later."""
    now = services.now()
    async with services.db.transaction() as session:
        items = await claim_inbox(session, limit, now, INBOX_LEASE)
    for item in items:
        try:
            await process_crm_event(services, CrmEvent.model_validate(item.payload))
        except CrmError as exc:
            log.warning("inbox #%s: CRM error, retrying later: %s", item.id, exc)
            async with services.db.transaction() as session:
                await mark_inbox_failed(session, item.id, str(exc), services.now() + RETRY_AFTER)
            continue
        async with services.db.transaction() as session:
            await mark_inbox_done(session, item.id, services.now())
    return len(items)
