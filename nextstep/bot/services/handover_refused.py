"""A hand-over the CRM turned down: the bot stops claiming the deal (or task) changed hands.

`sla/handoff.py` projects a change of responsible user at once: the mirror names the new
holder, the old holder's card says "🔀 handed to NAME", the new holder gets a card, the head's
escalation card closes saying whom it went to. When the CRM then refuses the change (400, or a
403 on a pressed hand-over), the relay drops the hand-over's later steps and calls
`show_actual_holder` (through `crm_refused.show_refusal`), which puts things back to what the
CRM holds:

- the mirror gets the CRM's responsible user back (the next sweep decides on the truth), and a
  refused "Take myself" gives the deal back the taken state it had;
- the head's card that pressed says the CRM refused, why, and shows its buttons again, so the
  head can choose again (a person, or themselves);
- the new holder's cards say the hand-over did not happen, without buttons;
- the old holder's deal cards closed by the hand-over are redrawn as theirs again, with their
  buttons; their question messages (call-back time, result) stay closed, saying the same.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from sqlalchemy import select

from nextstep.bot.i18n import Texts
from nextstep.bot.services.cards import PROMPT_KINDS, CardView, DealState
from nextstep.bot.services.deps import Services
from nextstep.bot.services.executor import Executor, Situation
from nextstep.bot.services.flow import deal_view, read_deal_or_mirror
from nextstep.bot.services.outbound import one_off_key
from nextstep.bot.services.sla import render
from nextstep.bot.services.sla.handoff import project_deal, project_task
from nextstep.bot.services.sla.inputs import CARD_KIND
from nextstep.bot.services.stale import HANDED_TO, RESPONSIBLE, holder_name
from nextstep.bot.storage.models import Card
from nextstep.crm_client.models import Deal, Task

log = logging.getLogger(__name__)

HANDOVER = "handover"  # outbox payload key (see delivery/crm.py)
RETRY_BUTTONS = "retry_buttons"  # an escalation card's buttons when a hand-over was pressed on it
NO_ACCESS = "no_access"  # the relay's `why` for 403/402/OAuth


async def show_actual_holder(
    services: Services, payload: dict[str, Any], why: str, detail: str
) -> None:
    """Undo what the bot showed of a refused hand-over; nothing for any other write."""
    marker = payload.get(HANDOVER)
    deal_id = payload.get("deal_id")
    if not isinstance(marker, dict) or not isinstance(deal_id, int):
        return
    to = marker.get("to")
    if not isinstance(to, int):
        return
    fresh = await read_deal_or_mirror(services, deal_id)
    if fresh is None:
        return  # the deal is gone: its cards say so on the next refresh
    deal, tasks = fresh
    task_id = payload.get("task_id") if payload.get("op") == "update_task" else None
    now = services.now()
    async with services.db.transaction() as session:
        ex = Executor(services, session, now)
        if isinstance(task_id, int):
            task = next((t for t in tasks if t.id == task_id), None)
            if task is None or task.responsible_user_id == to:
                return  # done meanwhile, or it got there after all
            await project_task(ex, task.id, now, responsible_user_id=task.responsible_user_id)
            holder = task.responsible_user_id
            await _tell_head(ex, marker, why, detail, holder, (task, deal))
        else:
            if deal.responsible_user_id == to:
                return  # it got there after all (changed by hand meanwhile)
            await _deal_back(ex, deal, tasks, marker, now)
            await _tell_head(ex, marker, why, detail, deal.responsible_user_id, None)
    log.info("deal %s: the CRM refused its hand-over to user %s (%s)", deal_id, to, why)
    services.woke(ex.out.kinds)


async def _deal_back(
    ex: Executor, deal: Deal, tasks: list[Task], marker: dict[str, Any], now: datetime
) -> None:
    """Mirror, flow state and deal cards as the CRM holds the deal."""
    services, to, holder = ex.services, int(marker["to"]), deal.responsible_user_id
    await project_deal(ex, deal.id, now, responsible_user_id=holder)
    for task in tasks:
        await project_task(ex, task.id, now, responsible_user_id=task.responsible_user_id)
    flow = await ex.repos.flow.get(deal.id)
    taken = marker.get("taken")
    if isinstance(taken, dict) and flow is not None and flow.taken_by == to:
        at = taken.get("taken_at")
        flow = await ex.repos.flow.update(
            deal.id,
            now,
            taken_at=datetime.fromisoformat(at) if isinstance(at, str) else None,
            taken_by=taken.get("taken_by"),
        )
    state = DealState(deal, deal_view(services, deal, tasks, flow))
    name = await holder_name(ex.repos, holder)
    key = one_off_key(f"handover-refused:{deal.id}")
    stmt = select(Card).where(Card.deal_id == deal.id, Card.state != "superseded")
    for card in (await ex.repos.session.scalars(stmt.order_by(Card.id))).all():
        owner = await ex.staff(card.owner_staff_id)
        if owner is None:
            continue
        t = services.texts_for(owner)
        drawn_for = card.payload.get(RESPONSIBLE)
        if owner.crm_user_id == to and drawn_for == to and card.state == "open":
            await _close_with(ex, card, t("card.handover_refused", name=name), key)
        elif card.payload.get(HANDED_TO) == to and owner.crm_user_id == holder:
            card.payload = {k: v for k, v in card.payload.items() if k != HANDED_TO}
            if card.kind in PROMPT_KINDS:
                await _close_with(ex, card, t("card.handover_refused", name=name), key)
            else:  # theirs again, with its buttons
                await ex.redraw([card], state, Situation(state, key, now))


async def _close_with(ex: Executor, card: Card, line: str, key: str) -> None:
    old = CardView.from_json(card.payload.get("view", {}))
    await ex.out.edit_card(card, CardView(f"{old.text}\n\n{line}"), f"{key}:{card.id}")
    await ex.repos.cards.set_state(card.id, "closed", ex.now)


async def _tell_head(
    ex: Executor,
    marker: dict[str, Any],
    why: str,
    detail: str,
    holder: int,
    task: tuple[Task, Deal] | None,
) -> None:
    """The card the hand-over was pressed on says it was refused and why, with its buttons
    back. Without one (an automatic reassignment) the relay's own notice told someone."""
    card_id = marker.get("card_id")
    card = await ex.repos.cards.get(card_id) if isinstance(card_id, int) else None
    if card is None or card.kind != CARD_KIND:
        return
    person = await ex.staff(card.owner_staff_id)
    if person is None:
        return
    t = ex.services.texts_for(person)
    text = await _refused_text(ex, t, int(marker["to"]), holder, why, detail, task)
    key = one_off_key(f"handover-refused:{card.id}")
    old = CardView.from_json(card.payload.get("view", {}))
    again = CardView.from_json({"text": "", "buttons": card.payload.get(RETRY_BUTTONS, [])})
    if task is None:  # the card's "handed to NAME" was not true: the refusal replaces it
        view = render.with_notice(old, text, again.buttons)
    else:  # one of the tasks the card handed out stayed: said below what the others did
        view = CardView(f"{old.text}\n{text}", again.buttons)
    await ex.out.edit_card(card, view, key)


async def _refused_text(
    ex: Executor,
    t: Texts,
    to: int,
    holder: int,
    why: str,
    detail: str,
    task: tuple[Task, Deal] | None,
) -> str:
    params = {
        "name": await holder_name(ex.repos, to),
        "holder": await holder_name(ex.repos, holder),
        "errors": "\n".join(f"• {line}" for line in detail.splitlines() if line.strip()) or "•",
    }
    if task is not None:
        params["task"] = task[0].text
        params["deal"] = task[1].name or f"#{task[1].id}"
        if why == NO_ACCESS:
            return t("sla.card.task_handover_refused.no_access", **params)
        return t("sla.card.task_handover_refused", **params)
    if why == NO_ACCESS:
        return t("sla.card.handover_refused.no_access", **params)
    return t("sla.card.handover_refused", **params)
