"""Cards that fell behind the CRM: whose deal a card was drawn for, who holds it now, and what
a press on a stale card is told.

A deal card remembers whose deal it was when drawn (`payload["responsible"]`). Once the deal is
someone else's (reassigned in the CRM or by a head), that person's card says who has it now and
loses its buttons; a press on it gets an alert naming the new holder. A press the engine turns
down as stale (task already done, deal moved on or closed) gets an alert saying which.
"""

from __future__ import annotations

from nextstep.bot.engine.effects import CardKind, RejectReason
from nextstep.bot.i18n import Texts
from nextstep.bot.playbook.resolved import ResolvedPlaybook
from nextstep.bot.services.cards import DealState, stage_name
from nextstep.bot.services.staff import StaffInfo
from nextstep.bot.storage import Repositories
from nextstep.bot.storage.models import Card, CrmUser
from nextstep.crm_client.models import Deal

DEAL_CARD_KINDS = frozenset(kind.value for kind in CardKind)
CALL_BACK_PROMPTS = frozenset({"ask_call_back", "confirm_call"})  # "call back at…", its echo
MANAGER = "manager"
RESPONSIBLE = "responsible"  # cards.payload: the deal's responsible CRM user when drawn
HANDED_TO = "handed_to"  # cards.payload: closed because the deal went to this CRM user
ALERT_LIMIT = 200  # answerCallbackQuery.text is 0-200 characters
MOVED = frozenset({RejectReason.ALREADY_TAKEN, RejectReason.STAGE_NOT_OFFERED})


def remember_holder(card: Card, deal: Deal) -> None:
    """Note whose deal the card was drawn for (the executor does this for every deal card)."""
    remember_holder_id(card, deal.responsible_user_id)


def remember_holder_id(card: Card, crm_user_id: int | None) -> None:
    card.payload = {**card.payload, RESPONSIBLE: crm_user_id}


def handed_over(card: Card, owner: StaffInfo | None, deal: Deal) -> bool:
    """The card was its owner's own deal, and the deal is now someone else's. A card drawn
    before cards noted their holder counts as its owner's when it is a manager's deal card or
    call-back question (heads and admins act for their people, so theirs stay)."""
    if owner is None or deal.responsible_user_id == owner.crm_user_id:
        return False
    drawn_for = card.payload.get(RESPONSIBLE)
    if drawn_for is not None:
        return bool(drawn_for == owner.crm_user_id)
    return (
        card.kind in DEAL_CARD_KINDS or card.kind in CALL_BACK_PROMPTS
    ) and owner.role == MANAGER


async def holder_name(repos: Repositories, crm_user_id: int) -> str:
    """How the team calls a CRM user: the paired staff name, else the CRM's, else "#id"."""
    staff = await repos.staff.by_crm_user_id(crm_user_id)
    if staff is not None and staff.name:
        return staff.name
    user = await repos.session.get(CrmUser, crm_user_id)
    return user.name if user is not None and user.name else f"#{crm_user_id}"


def alert_for(t: Texts, reason: RejectReason, state: DealState, rp: ResolvedPlaybook) -> str:
    """Why the press did nothing, as the presser reads it (the card is redrawn meanwhile)."""
    if reason is RejectReason.TASK_NOT_OPEN:
        return fit(t("press.stale.task_done"))
    if reason is RejectReason.DEAL_CLOSED:
        return fit(t("press.stale.closed", stage=stage_name(state, rp)))
    if reason in MOVED:
        return fit(t("press.stale.moved", stage=stage_name(state, rp)))
    return fit(t(reason.value))


def reassigned_alert(t: Texts, name: str) -> str:
    return fit(t("press.stale.reassigned", name=name))


def fit(text: str) -> str:
    return text if len(text) <= ALERT_LIMIT else text[: ALERT_LIMIT - 1] + "…"
