"""Events → the deal re-read through the CRM → `engine.decide` → the executor.

Every path (a button press, an inbox event, a timer) comes through `run_event`: the CRM read
happens outside the transaction (never hold a write lock over HTTP), the decision and all its
writes inside one.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from nextstep.bot.engine.common import base_params
from nextstep.bot.engine.engine import decide
from nextstep.bot.engine.events import Event
from nextstep.bot.engine.state import Context, DealView
from nextstep.bot.engine.texts import Text
from nextstep.bot.i18n import Texts, zone
from nextstep.bot.services.cards import CardView, DealState
from nextstep.bot.services.deps import Services
from nextstep.bot.services.executor import Executed, Executor, Situation
from nextstep.bot.services.staff import StaffInfo
from nextstep.bot.storage import Repositories
from nextstep.bot.storage.models import DealFlow
from nextstep.crm_client.errors import CrmError
from nextstep.crm_client.models import Deal, Task

log = logging.getLogger(__name__)
EventMaker = Callable[[DealView], Event]


async def read_deal(services: Services, deal_id: int) -> tuple[Deal, list[Task]] | None:
    """The deal and its open tasks as the CRM has them now (raises CrmError when it cannot)."""
    deal = await services.crm.get_deal(deal_id, with_contacts=True)
    if deal is None or deal.is_deleted:
        return None
    if not any(c.phone for c in deal.contacts) and deal.contact_ids:
        # The deal read names its contacts; the card and the call note need the main one's phone.
        contact = await services.crm.get_contact(deal.contact_ids[0])
        if contact is not None:
            deal = deal.model_copy(update={"contacts": (contact,)})
    tasks = [t async for t in services.crm.iter_tasks(entity_id=deal_id, is_completed=False)]
    return deal, [t for t in tasks if not t.is_completed]


async def read_deal_or_mirror(services: Services, deal_id: int) -> tuple[Deal, list[Task]] | None:
    """The deal from the CRM; the mirror's copy when the CRM will not answer reads either."""
    try:
        return await read_deal(services, deal_id)
    except CrmError as exc:
        log.info("deal %s: CRM read failed (%s); the mirror's copy is used", deal_id, exc)
    async with services.db.transaction() as session:
        mirror = Repositories(session).mirror
        deal = await mirror.get_deal(deal_id)
        return (deal, await mirror.open_tasks(deal_id)) if deal is not None else None


def take_task_text(services: Services, deal: Deal) -> str | None:
    spec = services.playbook.playbook.take_into_work.task
    if spec is None:
        return None
    full = services.playbook.playbook.task(spec)
    params = base_params(DealView(deal.id, deal.pipeline_id, deal.status_id, 0, name=deal.name))
    return services.team_texts().text(Text.from_spec(full.text, params))


def deal_view(
    services: Services, deal: Deal, tasks: list[Task], flow: DealFlow | None
) -> DealView:
    """The engine's view: the CRM's deal and tasks plus our flow state. The take task is the one
    we recorded, else the open task carrying the playbook's take text (its id is only known
    once the CRM relay created it)."""
    take_id = flow.take_task_id if flow else None
    if take_id is None and not (flow and flow.taken_at):
        text = take_task_text(services, deal)
        take_id = next((t.id for t in tasks if text is not None and t.text == text), None)
    return DealView.from_crm(
        deal,
        tasks,
        no_answer_attempts=flow.no_answer_attempts if flow else 0,
        taken=bool(flow and flow.taken_at),
        take_task_id=take_id,
    )


def context_for(services: Services, now: datetime, tz_name: str | None) -> Context:
    """Now, and the next working morning in the person's zone (every day counts as working
    until schedules land)."""
    tz = zone(tz_name, services.settings.timezone)
    morning = services.playbook.playbook.working_morning
    local = now.astimezone(tz)
    candidate = local.replace(hour=morning.hour, minute=morning.minute, second=0, microsecond=0)
    if candidate <= local:
        candidate = (local + timedelta(days=1)).replace(
            hour=morning.hour, minute=morning.minute, second=0, microsecond=0
        )
    return Context(now=now, next_working_morning=candidate, timezone=str(tz))


async def run_event(
    services: Services,
    deal_id: int,
    make_event: EventMaker,
    event_key: str,
    *,
    actor: StaffInfo | None = None,
    source_card_id: int | None = None,
    chosen: str | None = None,
    fetched: tuple[Deal, list[Task]] | None = None,
) -> Executed | None:
    """Decide and execute one event; None when the deal is gone from the CRM."""
    fresh = fetched or await read_deal(services, deal_id)
    now = services.now()
    if fresh is None:
        await close_cards(services, deal_id, event_key)
        return None
    deal, tasks = fresh
    async with services.db.transaction() as session:
        repos = Repositories(session)
        view = deal_view(services, deal, tasks, await repos.flow.get(deal_id))
        event = make_event(view)
        owner = await repos.staff.by_crm_user_id(deal.responsible_user_id)
        tz = actor.timezone if actor else owner.timezone if owner else None
        decision = decide(event, view, services.playbook, context_for(services, now, tz))
        situation = Situation(
            state=DealState(deal, view),
            event_key=event_key,
            now=now,
            event=event,
            actor=actor,
            source_card_id=source_card_id,
            chosen=chosen,
        )
        if source_card_id is not None:
            await _pin_task(repos, source_card_id, event)
        result = await Executor(services, session, now).run(decision, situation)
    services.woke(result.kinds)
    return result


async def _pin_task(repos: Repositories, card_id: int, event: Event) -> None:
    """A call card made before its task existed follows the task it was first used on."""
    task_id: Any = getattr(event, "task_id", None)
    card = await repos.cards.get(card_id)
    if card is not None and card.task_id is None and isinstance(task_id, int):
        card.task_id = task_id


async def refresh_cards(
    services: Services, fresh: tuple[Deal, list[Task]], event_key: str
) -> None:
    """Redraw the deal's open cards as the CRM has it now, with no event to decide."""
    deal, tasks = fresh
    now = services.now()
    async with services.db.transaction() as session:
        ex = Executor(services, session, now)
        view = deal_view(services, deal, tasks, await ex.repos.flow.get(deal.id))
        await ex.refresh(DealState(deal, view), Situation(DealState(deal, view), event_key, now))
    services.woke(ex.out.kinds)


async def close_cards(services: Services, deal_id: int, event_key: str) -> None:
    """The deal was deleted: its cards lose their buttons."""
    now = services.now()
    async with services.db.transaction() as session:
        ex = Executor(services, session, now)
        for card in await ex.repos.cards.open_for_deal(deal_id):
            owner = await ex.staff(card.owner_staff_id)
            t: Texts = services.texts_for(owner)
            view = _closed_view(card.payload.get("view", {}), t("card.status.deleted"))
            await ex.out.edit_card(card, view, f"{event_key}:gone:{card.id}")
    services.woke(ex.out.kinds)


def _closed_view(old: dict[str, Any], tail: str) -> CardView:
    return CardView(f"{CardView.from_json(old).text}\n\n{tail}")
