"""Rule timers coming due (`TimerDue`), and linked deals finished once the CRM created them.

A timer is fired (marked) only after its event was processed, so a CRM outage delays it to the
next tick instead of losing it; the rule's once-only keys and the dedup keys keep a repeat from
doing anything twice.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import select

from nextstep.bot.engine.rules.events import RuleEvent, TimerDue
from nextstep.bot.engine.rules.facts import DealFacts
from nextstep.bot.services.deps import Services
from nextstep.bot.services.flow import read_deal
from nextstep.bot.services.outbound import Outbound
from nextstep.bot.services.rules.client import client_deals, needs_client_deals
from nextstep.bot.services.rules.execute import LINK_KEY_PREFIX, TIMER_KIND
from nextstep.bot.services.rules.runner import EventFor, run_rules
from nextstep.bot.services.staff import StaffInfo
from nextstep.bot.storage import Repositories
from nextstep.bot.storage.models import OutboxItem, Timer
from nextstep.crm_client.errors import CrmError

log = logging.getLogger(__name__)


async def fire_rule_timers(services: Services, limit: int = 100) -> int:
    now = services.now()
    async with services.db.transaction() as session:
        stmt = (
            select(Timer.id, Timer.payload)
            .where(
                Timer.kind == TIMER_KIND,
                Timer.due_at <= now,
                Timer.fired_at.is_(None),
                Timer.cancelled_at.is_(None),
            )
            .order_by(Timer.due_at, Timer.id)
            .limit(limit)
        )
        due = [(row.id, dict(row.payload)) for row in (await session.execute(stmt)).all()]
    fired = 0
    for timer_id, payload in due:
        key, deal_id = str(payload.get("key", "")), payload.get("deal_id")
        if not isinstance(deal_id, int) or not key:
            continue
        try:
            fetched, others = None, []
            if needs_client_deals(services, key):
                fetched = await read_deal(services, deal_id)
                others = await client_deals(services, fetched[0]) if fetched else []
            await run_rules(
                services,
                deal_id,
                _due(key),
                f"rules:timer:{timer_id}",
                fetched=fetched,
                client_deals=others,
            )
        except CrmError as exc:
            log.warning("rule timer %s: CRM error, again next tick: %s", timer_id, exc)
            continue
        async with services.db.transaction() as session:
            if await Repositories(session).timers.fire(timer_id, services.now()) is not None:
                fired += 1
    return fired


def _due(key: str) -> EventFor:
    def make(facts: DealFacts) -> RuleEvent:
        return TimerDue(key)

    return make


async def finish_links(services: Services) -> int:
    """A linked deal the CRM created gets its task, and both deals a note naming the other."""
    t = services.team_texts()
    done = 0
    async with services.db.transaction() as session:
        stmt = select(OutboxItem).where(
            OutboxItem.kind == "crm",
            OutboxItem.status == "sent",
            OutboxItem.dedup_key.like(f"{LINK_KEY_PREFIX}%"),
        )
        out = Outbound(session, services.now())
        for row in (await session.scalars(stmt)).all():
            result = dict(row.result or {})
            new_id = result.get("deal_id")
            if result.get("linked") or not isinstance(new_id, int):
                continue
            link = dict(row.payload.get("link") or {})
            source = int(link.get("source_deal_id") or row.payload.get("deal_id") or 0)
            name = str(dict(row.payload.get("deal") or {}).get("name", ""))
            key = row.dedup_key
            await out.crm(
                source,
                {"op": "add_note", "text": t("rules.linked.source_note", id=new_id, name=name)},
                f"{key}:note-source",
            )
            await out.crm(
                new_id,
                {"op": "add_note", "text": t("rules.linked.target_note", id=source)},
                f"{key}:note-target",
            )
            if link.get("note"):  # e.g. a budget split fell back to the full budget
                await out.crm(
                    new_id, {"op": "add_note", "text": str(link["note"])}, f"{key}:note-budget"
                )
            task = link.get("task")
            if isinstance(task, dict):
                await out.crm(
                    new_id,
                    {"op": "create_task", "task": {**task, "entity_id": new_id}},
                    f"{key}:task",
                )
            await _tell_owner(services, out, row.payload, new_id, source, key)
            row.result = {**result, "linked": True}
            done += 1
    if done:
        services.woke(out.kinds)
    return done


async def _tell_owner(
    services: Services,
    out: Outbound,
    payload: Mapping[str, Any],
    new_id: int,
    source: int,
    key: str,
) -> None:
    """The new deal's responsible hears of it, with its first task, when no card will: a deal
    in a pipeline the playbook covers gets the take-into-work card from its own webhook."""
    deal = dict(payload.get("deal") or {})
    pipeline_id, owner = deal.get("pipeline_id"), deal.get("responsible_user_id")
    if not isinstance(owner, int) or not isinstance(pipeline_id, int):
        return
    if services.playbook.plan_for(pipeline_id) is not None:
        return
    row = await out.repos.staff.by_crm_user_id(owner)
    if row is None or row.telegram_id is None:
        return
    t = services.texts_for(StaffInfo.of(row))
    link = dict(payload.get("link") or {})
    task = dict(link.get("task") or {})
    text = t("rules.linked.yours", name=str(deal.get("name", "")), id=new_id, source=source)
    if task.get("text"):
        when = datetime.fromisoformat(str(task["complete_till"]))
        text += "\n" + t("rules.linked.yours_task", task=str(task["text"]), due=when)
    await out.text(row.telegram_id, text, f"{key}:owner:{row.id}")
