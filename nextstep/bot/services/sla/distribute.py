"""New leads to the team's managers on shift, round robin (playbook `distribution.mode:
round_robin`). Runs before each sweep, so a lead is routed before its take clock matters.

A lead is routed once (a `sla:routed:<deal>` mark): one that lands with a manager who is next
in line stays; otherwise it goes to the chosen manager (CRM op + mirror projection + their
card, as a head's Reassign does). With nobody on shift it waits, unmarked, for the first shift.
The round-robin cursor is one integer per team (`sla:rr:<head>`).
"""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy import select

from nextstep.bot.engine.sla.distribution import route_new_lead
from nextstep.bot.playbook.sections.distribution import Mode
from nextstep.bot.services.deps import Services
from nextstep.bot.services.executor import Executor
from nextstep.bot.services.sla.handoff import reassign_deal
from nextstep.bot.services.sla.inputs import load_deals, load_directory, sla_config
from nextstep.bot.storage.mirror import row_deal, row_task
from nextstep.bot.storage.models import CrmDeal, CrmTask, SyncState

log = logging.getLogger(__name__)
ROUTED_PREFIX = "sla:routed:"
CURSOR_PREFIX = "sla:rr:"
FRESH = timedelta(days=1)  # older unrouted leads (say, at the first start) are left as they are


async def distribute_new_leads(services: Services) -> int:
    """Route fresh untaken leads; returns how many changed hands."""
    dist = services.playbook.playbook.distribution
    if dist.mode is not Mode.ROUND_ROBIN:
        return 0
    now = services.now()
    cfg = sla_config(services.playbook)
    moved = 0
    async with services.db.transaction() as session:
        ex = Executor(services, session, now)
        repos = ex.repos
        directory = await load_directory(session, services.playbook)
        deals = await load_deals(session, services.playbook)
        routed = set(
            (
                await session.scalars(
                    select(SyncState.key).where(SyncState.key.startswith(ROUTED_PREFIX))
                )
            ).all()
        )
        loads: dict[int, int] = {}
        for deal in deals:
            plan = cfg.pipelines.get(deal.pipeline_id)
            if plan is not None and deal.status_id not in plan.closed_status_ids:
                loads[deal.responsible_user_id] = loads.get(deal.responsible_user_id, 0) + 1
        caps = {m.crm_user_id: dist.cap_of(m.crm_user_id) for m in directory.staff}
        for deal in deals:
            plan = cfg.pipelines.get(deal.pipeline_id)
            if (
                plan is None
                or deal.taken
                or deal.status_id not in plan.new_status_ids
                or deal.created_at < now - FRESH
                or f"{ROUTED_PREFIX}{deal.id}" in routed
            ):
                continue
            head = directory.staff.head_of(deal.responsible_user_id)
            if head is None:
                continue
            cursor_key = f"{CURSOR_PREFIX}{head}"
            cursor = int(await repos.sync_state.get(cursor_key) or 0)
            routing = route_new_lead(head, directory.staff, loads, dist.weights, caps, cursor, now)
            if routing.to is None:
                continue  # nobody on shift: it waits for the first shift
            await repos.sync_state.set(cursor_key, routing.cursor, now)
            await repos.sync_state.set(f"{ROUTED_PREFIX}{deal.id}", routing.to, now)
            if routing.to == deal.responsible_user_id:
                continue
            row = await session.get(CrmDeal, deal.id)
            if row is None:
                continue
            tasks = (
                await session.scalars(
                    select(CrmTask).where(
                        CrmTask.entity_id == deal.id, CrmTask.is_completed.is_(False)
                    )
                )
            ).all()
            key = f"sla:route:{deal.id}:{routing.to}"
            if await reassign_deal(
                ex, row_deal(row), [row_task(t) for t in tasks], routing.to, key
            ):
                loads[routing.to] = loads.get(routing.to, 0) + 1
                loads[deal.responsible_user_id] -= 1
                moved += 1
    services.woke(ex.out.kinds)
    if moved:
        log.info("distribution: %d new leads routed", moved)
    return moved
