"""The mark a card keeps while a stage move shown on it was refused by the CRM.

`crm_refused` sets it (the stage asked for, the stage the deal stayed at, and why); every
redraw of the card (`Executor.refresh`) keeps saying so, without buttons, for as long as the
deal is still at that stage, and drops it once the deal moved (the retried move landed, or
someone moved it by hand).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from nextstep.bot.i18n import Texts
from nextstep.bot.playbook.resolved import ResolvedPlaybook
from nextstep.bot.services.cards import DealState, stage_name
from nextstep.bot.storage.models import Card

MARK = "move_refused"  # cards.payload key
NO_ACCESS = "no_access"  # why: 403/402/OAuth (retried by itself); anything else: 400 (Retry)


def mark(card: Card, state: DealState, pipeline_id: int, status_id: int, why: str) -> None:
    at = [state.view.pipeline_id, state.view.status_id]
    card.payload = {
        **card.payload,
        MARK: {"wanted": [pipeline_id, status_id], "at": at, "why": why},
    }


def refused_notice(card: Card, state: DealState, t: Texts, rp: ResolvedPlaybook) -> str | None:
    """The card's "move refused" line while the deal has not moved; None (mark dropped) after."""
    found: Any = card.payload.get(MARK)
    if not isinstance(found, dict):
        return None
    if list(found.get("at", [])) != [state.view.pipeline_id, state.view.status_id]:
        card.payload = {k: v for k, v in card.payload.items() if k != MARK}
        return None
    pipeline_id, status_id = found["wanted"]
    target = DealState(
        state.deal, replace(state.view, pipeline_id=pipeline_id, status_id=status_id)
    )
    key = "card.move_refused.no_access" if found.get("why") == NO_ACCESS else "card.move_refused"
    return t(key, wanted=stage_name(target, rp), stage=stage_name(state, rp))
