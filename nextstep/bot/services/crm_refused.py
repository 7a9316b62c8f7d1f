"""A stage move the CRM turned down: the deal's card stops showing the stage it did not reach.

Cards are drawn from the deal as it will be once the enqueued writes land, so after a press the
card already shows the new stage. When the CRM refuses that move (400: a required field, a
locked stage; or 403/402: no access), the CRM relay calls `show_actual_stage`: each chat's
newest card of the deal is marked (`refusal`) and redrawn from the deal as the CRM holds it,
without buttons (the move is still waiting: pressing again would queue it twice), saying the
move was refused and what happens next: Retry under the CRM's message after fixing what it
asks (400), or the bot retries by itself once access is back (403). The card stays open, so
the next change of the deal (the retried move landing) redraws it at its new stage.

A refused change of the deal's responsible user (a hand-over) is `handover_refused`'s.
"""

from __future__ import annotations

import logging
from typing import Any

from nextstep.bot.engine.effects import CardKind
from nextstep.bot.services import handover_refused, refusal
from nextstep.bot.services.cards import DealState
from nextstep.bot.services.deps import Services
from nextstep.bot.services.executor import Executor, Situation
from nextstep.bot.services.flow import deal_view, read_deal_or_mirror
from nextstep.bot.services.outbound import one_off_key

log = logging.getLogger(__name__)
DEAL_CARDS = frozenset(kind.value for kind in CardKind)


def wanted_stage(payload: dict[str, Any]) -> tuple[int, int | None, int] | None:
    """(deal, pipeline, stage) of a refused stage move; None for any other write."""
    patch = payload.get("patch")
    deal_id = payload.get("deal_id")
    if payload.get("op") != "update_deal" or not isinstance(patch, dict):
        return None
    status_id, pipeline_id = patch.get("status_id"), patch.get("pipeline_id")
    if not isinstance(status_id, int) or not isinstance(deal_id, int):
        return None
    return deal_id, pipeline_id if isinstance(pipeline_id, int) else None, status_id


async def show_refusal(services: Services, payload: dict[str, Any], why: str, detail: str) -> None:
    """The relay's `on_refused`: a refused stage move or hand-over stops showing on the cards
    as done (`detail`: what the CRM said, one line per message)."""
    await show_actual_stage(services, payload, why)
    await handover_refused.show_actual_holder(services, payload, why, detail)


async def show_actual_stage(services: Services, payload: dict[str, Any], why: str) -> None:
    """Redraw the deal's cards at the stage it is really at, saying the move was refused."""
    wanted = wanted_stage(payload)
    if wanted is None:
        return
    deal_id, pipeline_id, status_id = wanted
    fresh = await read_deal_or_mirror(services, deal_id)
    if fresh is None:
        return
    deal, tasks = fresh
    pipeline_id = pipeline_id or deal.pipeline_id
    if (deal.pipeline_id, deal.status_id) == (pipeline_id, status_id):
        return  # it got there after all (moved by hand meanwhile): the usual refresh shows it
    now = services.now()
    async with services.db.transaction() as session:
        ex = Executor(services, session, now)
        state = DealState(deal, deal_view(services, deal, tasks, await ex.repos.flow.get(deal_id)))
        cards = await ex.repos.cards.latest_for_deal(deal_id, DEAL_CARDS)
        for card in cards:
            refusal.mark(card, state, pipeline_id, status_id, why)
        await ex.redraw(cards, state, Situation(state, one_off_key(f"refused:{deal_id}"), now))
    services.woke(ex.out.kinds)
