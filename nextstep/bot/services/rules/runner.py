"""One rule event: the deal re-read through the CRM (outside the transaction), then in ONE
transaction its flow and rule state, `apply_rules`, and the effects performed."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from nextstep.bot.engine.rules.dispatch import apply_rules
from nextstep.bot.engine.rules.events import RuleEvent, TimerDue
from nextstep.bot.engine.rules.facts import DealFacts
from nextstep.bot.engine.rules.nps import nps_buttons
from nextstep.bot.services.deps import Services
from nextstep.bot.services.flow import context_for, deal_view, read_deal
from nextstep.bot.services.outbound import Outbound
from nextstep.bot.services.rules import fields, state, views
from nextstep.bot.services.rules.execute import RuleExecutor, RuleOutcome
from nextstep.bot.services.staff import StaffInfo
from nextstep.bot.storage import Repositories
from nextstep.crm_client.models import Deal, Task

EventFor = Callable[[DealFacts], RuleEvent | None]


def has_rules(services: Services) -> bool:
    rules = services.playbook.rules
    return rules is not None and not rules.empty


async def run_rules(
    services: Services,
    deal_id: int,
    make_event: EventFor,
    event_key: str,
    *,
    actor: StaffInfo | None = None,
    fetched: tuple[Deal, list[Task]] | None = None,
    client_deals: Sequence[Deal] = (),
) -> RuleOutcome | None:
    """Decide and perform one rule event; None when the deal is gone or nothing applies.

    `client_deals`: the client's other deals, when the event's rule needs them (read before)."""
    fresh = fetched or await read_deal(services, deal_id)
    if fresh is None:
        return None
    deal, tasks = fresh
    defs = await fields.definitions(services)
    now = services.now()
    async with services.db.transaction() as session:
        repos = Repositories(session)
        view = deal_view(services, deal, tasks, await repos.flow.get(deal_id))
        record = await state.load(session, deal_id)
        record.find_task_ids(tasks)
        facts = DealFacts.from_crm(
            deal, tasks, view=view, client_deals=client_deals, state=record.state()
        )
        event = make_event(facts)
        if event is None:
            return None
        if isinstance(event, TimerDue):
            record.timers.pop(event.key, None)
            facts = DealFacts.from_crm(
                deal, tasks, view=view, client_deals=client_deals, state=record.state()
            )
        owner = await repos.staff.by_crm_user_id(deal.responsible_user_id)
        tz = actor.timezone if actor else owner.timezone if owner else None
        ctx = context_for(services, now, tz)
        decision = apply_rules(event, facts, services.playbook, ctx)
        run = RuleExecutor(
            services,
            session,
            now,
            deal=deal,
            view=view,
            record=record,
            fields=fields.FieldIds(deal, defs),
            event_key=event_key,
            actor=actor,
        )
        outcome = await run.run(decision)
        kinds = outcome.kinds | await offer_nps(services, Outbound(session, now), facts)
        await state.save(session, deal_id, record, now)
    services.woke(kinds)
    return outcome


async def offer_nps(services: Services, out: Outbound, facts: DealFacts) -> set[str]:
    """An open "collect NPS" task gets one card with 0–10 buttons for the deal's responsible."""
    rules = services.playbook.rules
    nps = rules.nps if rules is not None else None
    if nps is None:
        return set()
    for task in facts.view.open_tasks:
        key = f"rules:nps:{task.id}"
        if not nps_buttons(task, nps) or await out.enqueued(key):
            continue
        row = await out.repos.staff.by_crm_user_id(facts.view.responsible_user_id)
        if row is None or row.telegram_id is None:
            continue
        person = StaffInfo.of(row)
        t = services.texts_for(person)
        await out.send_card(
            chat_id=row.telegram_id,
            owner_staff_id=row.id,
            kind=views.NPS_CARD,
            view=views.nps_view(t, facts.view.name or f"#{facts.id}", task.text, task.id),
            dedup_key=key,
            deal_id=facts.id,
            task_id=task.id,
        )
    return out.kinds
