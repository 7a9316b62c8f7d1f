"""`run_sweep`: the SLA sweep over the whole mirror, applied in one transaction per batch.

Deadlines live in the database: the escalation records hold each ladder's state, and the sweep's
deadlines are kept in `timers`, so after a restart the first sweep picks up exactly where the
last one stopped (a deadline passed while down fires once, at once). APScheduler only ticks.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime
from weakref import WeakKeyDictionary

from sqlalchemy import func, select

from nextstep.bot.engine.sla.actions import EscalationAction
from nextstep.bot.engine.sla.sweep import next_deadline, sweep
from nextstep.bot.services.deps import Services
from nextstep.bot.services.executor import Executor
from nextstep.bot.services.sla.apply import TIMER_KIND, Applier
from nextstep.bot.services.sla.distribute import distribute_new_leads
from nextstep.bot.services.sla.inputs import load_inputs, sla_config
from nextstep.bot.storage import Database
from nextstep.bot.storage.models import Timer

log = logging.getLogger(__name__)
BATCH = 200  # actions per transaction


@dataclass(frozen=True)
class SweepReport:
    actions: int
    opened: int
    edited: int
    closed: int
    crm_ops: int
    next_at: datetime | None
    next_sweep: datetime


_LOCKS: WeakKeyDictionary[Database, asyncio.Lock] = WeakKeyDictionary()


def _lock(services: Services) -> asyncio.Lock:
    """One sweep at a time per database and process (the tick and the deadline job may meet)."""
    lock = _LOCKS.get(services.db)
    if lock is None:
        lock = _LOCKS[services.db] = asyncio.Lock()
    return lock


async def run_sweep(services: Services) -> SweepReport:
    async with _lock(services):
        await distribute_new_leads(services)
        return await _run(services)


async def _run(services: Services) -> SweepReport:
    now = services.now()
    cfg = sla_config(services.playbook)
    async with services.db.transaction() as session:
        inputs = await load_inputs(session, services.playbook, now)
    result = sweep(
        inputs.deals,
        inputs.tasks_by_deal,
        inputs.directory.staff,
        inputs.states,
        cfg,
        now,
        pings_in_last_hour=inputs.pings,
    )
    actions: list[EscalationAction] = list(result.actions)
    opened = edited = closed = crm_ops = 0
    kinds: set[str] = set()
    batches = [actions[i : i + BATCH] for i in range(0, len(actions), BATCH)] or [[]]
    for index, batch in enumerate(batches):
        async with services.db.transaction() as session:
            ex = Executor(services, session, now)
            applier = Applier(services, ex, inputs.directory)
            for action in batch:
                await applier.apply(action)
            if index == len(batches) - 1:
                await applier.timers(result.timers, result.next_at)
            kinds |= ex.out.kinds
        opened += applier.result.opened
        edited += applier.result.edited
        closed += applier.result.closed
        crm_ops += applier.result.crm_ops
    services.woke(kinds)
    report = SweepReport(
        len(actions),
        opened,
        edited,
        closed,
        crm_ops,
        result.next_at,
        next_deadline(result, now),
    )
    if actions:
        log.info("sla sweep: %s", report)
    return report


async def next_timer(services: Services) -> datetime | None:
    """The earliest pending SLA deadline in the database (survives restarts)."""
    async with services.db.transaction() as session:
        stmt = select(func.min(Timer.due_at)).where(
            Timer.kind == TIMER_KIND, Timer.fired_at.is_(None), Timer.cancelled_at.is_(None)
        )
        return (await session.execute(stmt)).scalar_one_or_none()
