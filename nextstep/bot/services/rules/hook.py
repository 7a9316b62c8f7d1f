"""CRM changes → rule events, after the call process's own step for the same change.

A move → `StageChanged` (from where the mirror or the webhook says it was), a completed task →
`TaskCompleted` with its result, anything else → `FieldsChanged` (hand-offs waiting for fields,
date rules re-planned, lost-deal recycling, NPS cards for new NPS tasks).
"""

from __future__ import annotations

import logging

from nextstep.bot.engine.rules.events import (
    FieldsChanged,
    RuleEvent,
    StageChanged,
    TaskCompleted,
)
from nextstep.bot.engine.rules.facts import DealFacts
from nextstep.bot.services.deps import Services
from nextstep.bot.services.rules.runner import EventFor, has_rules, run_rules
from nextstep.crm_client.errors import CrmError
from nextstep.crm_client.models import CrmEvent, CrmEventType, Deal, Task

log = logging.getLogger(__name__)


async def rule_event_for(
    services: Services, event: CrmEvent, old: Deal | None, deal: Deal
) -> RuleEvent:
    if event.type is CrmEventType.TASK_COMPLETED:
        task = await services.crm.get_task(event.entity_id)
        if task is not None:
            return TaskCompleted(task.id, task.result_text or "", task.text, task.task_type_id)
    if old is None:
        return FieldsChanged()
    was = (event.old_pipeline_id or old.pipeline_id, event.old_status_id or old.status_id)
    if was != (deal.pipeline_id, deal.status_id):
        return StageChanged(was[0], was[1])
    return FieldsChanged()


def _always(event: RuleEvent) -> EventFor:
    def make(facts: DealFacts) -> RuleEvent:
        return event

    return make


async def after_crm_event(
    services: Services, event: CrmEvent, old: Deal | None, fresh: tuple[Deal, list[Task]]
) -> None:
    """Run the rules for one CRM change (CrmError propagates: the inbox retries the event; a
    bug in the rules is logged and never blocks the call process)."""
    if not has_rules(services):
        return
    deal = fresh[0]
    try:
        first = await rule_event_for(services, event, old, deal)
        key = f"rules:crm:{event.dedup_key()}"
        await run_rules(services, deal.id, _always(first), key, fetched=fresh)
        if isinstance(first, StageChanged):
            # A move can come with filled fields (or undo the bot's hold): both are looked at.
            await run_rules(services, deal.id, _always(FieldsChanged()), f"{key}:f", fetched=fresh)
    except CrmError:
        raise
    except Exception:
        log.exception("rules failed for deal %s on %s", deal.id, event.type)
