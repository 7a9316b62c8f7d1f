"""New leads to the team's managers on shift, round robin (playbook `distribution.mode:
round_robin`). Runs before each sweep, so a lead is routed before its take clock matters.

A lead is routed once (a `sla:routed:<deal>` mark): one that lands with a manager who is next
in line stays; otherwise it goes to the chosen manager (CRM op + mirror projection + their
card, as a head's Reassign does). With nobody on shift it waits, unmarked, for the first shift,
and the team's head gets one card saying so (`sla:waiting:<deal>` remembers it was sent, so a
lead waiting over a weekend is neither announced each tick nor too old to route on Monday).
The round-robin cursor is one integer per team (`sla:rr:<head>`).
"""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy import delete, select

from nextstep.bot.engine.sla.distribution import Routing, route_new_lead
from nextstep.bot.engine.sla.facts import DealRow
from nextstep.bot.engine.sla.record import EscalationState, Facts, Rule
from nextstep.bot.engine.sla.rules import deal_key
from nextstep.bot.playbook.sections.distribution import Mode
from nextstep.bot.services.cards import CardView
from nextstep.bot.services.deps import Services
from nextstep.bot.services.executor import Executor
from nextstep.bot.services.outbound import one_off_key
from nextstep.bot.services.sla import render
from nextstep.bot.services.sla.handoff import reassign_deal
from nextstep.bot.services.sla.inputs import (
    CARD_KIND,
    Directory,
    load_deals,
    load_directory,
    sla_config,
)
from nextstep.bot.storage.mirror import row_deal, row_task
from nextstep.bot.storage.models import CrmDeal, CrmTask, SyncState

log = logging.getLogger(__name__)
ROUTED_PREFIX = "sla:routed:"
WAITING_PREFIX = "sla:waiting:"
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
        waiting = set(
            (
                await session.scalars(
                    select(SyncState.key).where(SyncState.key.startswith(WAITING_PREFIX))
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
                or (deal.created_at < now - FRESH and f"{WAITING_PREFIX}{deal.id}" not in waiting)
                or f"{ROUTED_PREFIX}{deal.id}" in routed
            ):
                continue
            head = directory.staff.head_of(deal.responsible_user_id)
            if head is None:
                continue
            cursor_key = f"{CURSOR_PREFIX}{head}"
            cursor = int(await repos.sync_state.get(cursor_key) or 0)
            routing = route_new_lead(head, directory.staff, loads, dist.weights, caps, cursor, now)
            if routing.to is None:  # nobody on shift: it waits for the first shift
                if f"{WAITING_PREFIX}{deal.id}" not in waiting:
                    await _tell_head(services, ex, directory, deal, routing)
                continue
            await repos.sync_state.set(cursor_key, routing.cursor, now)
            if f"{WAITING_PREFIX}{deal.id}" in waiting:
                await _done_waiting(services, ex, directory, deal.id, routing.to)
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


async def _tell_head(
    services: Services, ex: Executor, directory: Directory, deal: DealRow, routing: Routing
) -> None:
    """One card to the head: the lead waits for the first shift (and when that is)."""
    now = ex.now
    head = routing.tell_head
    person = directory.people.get(head) if head is not None else None
    card_id: int | None = None
    if head is not None and person is not None and person.telegram_id is not None:
        facts: Facts = (
            ("deal", deal.id),
            ("name", deal.name),
            ("manager", deal.responsible_user_id),
            ("until", routing.waits_until),
        )
        state = EscalationState(Rule.NOBODY_ON_SHIFT, deal_key(deal.id), 0, now, now, facts=facts)
        view = render.card_view(
            state, head, (), directory, services.texts_for(person), services.playbook
        )
        card = await ex.out.send_card(
            chat_id=person.telegram_id,
            owner_staff_id=person.id,
            kind=CARD_KIND,
            view=view,
            dedup_key=f"sla:nobody:{deal.id}",
        )
        card_id = card.id if card is not None else None
    until = routing.waits_until.isoformat() if routing.waits_until else None
    await ex.repos.sync_state.set(
        f"{WAITING_PREFIX}{deal.id}", {"card": card_id, "until": until}, now
    )


async def _done_waiting(
    services: Services, ex: Executor, directory: Directory, deal_id: int, to: int
) -> None:
    """The lead found a manager: its waiting card says whom, and the mark goes."""
    key = f"{WAITING_PREFIX}{deal_id}"
    mark = await ex.repos.sync_state.get(key)
    card_id = mark.get("card") if isinstance(mark, dict) else None
    card = await ex.repos.cards.get(card_id) if isinstance(card_id, int) else None
    if card is not None:
        t = services.texts_for(await ex.staff(card.owner_staff_id))
        old = CardView.from_json(card.payload.get("view", {}))
        tail = render.closed_tail("reassigned", t, name=directory.name(to))
        await ex.out.edit_card(card, render.with_notice(old, tail), one_off_key(key))
    await ex.repos.session.execute(delete(SyncState).where(SyncState.key == key))
