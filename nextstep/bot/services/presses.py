"""A button press, before any slow work: which button, may this person press it, claim it once.

All of this reads only the local database, so the handler can answer the callback query at once
and do the CRM work after.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy import update

from nextstep.bot.services.deps import Services
from nextstep.bot.services.staff import StaffInfo, may_act_for
from nextstep.bot.storage import Database, Repositories
from nextstep.bot.storage.models import Callback

CALLBACK_PREFIX = "c:"


@dataclass(frozen=True)
class Press:
    callback_id: str
    action: str
    args: dict[str, Any]
    card_id: int | None
    card_kind: str | None
    deal_id: int | None
    task_id: int | None
    owner: StaffInfo | None
    used: bool


class Verdict(StrEnum):
    OK = "ok"
    FORBIDDEN = "forbidden"
    USED = "used"


def callback_id(data: str | None) -> str | None:
    if not data or not data.startswith(CALLBACK_PREFIX):
        return None
    return data[len(CALLBACK_PREFIX) :] or None


async def peek(db: Database, cb_id: str) -> Press | None:
    """The button behind `cb_id` (None: never existed), without using it."""
    async with db.transaction() as session:
        repos = Repositories(session)
        row = await session.get(Callback, cb_id)
        if row is None:
            return None
        card = await repos.cards.get(row.card_id) if row.card_id is not None else None
        owner_row = (
            await repos.staff.get(card.owner_staff_id) if card and card.owner_staff_id else None
        )
        return Press(
            callback_id=row.id,
            action=row.action,
            args=dict(row.args),
            card_id=card.id if card else None,
            card_kind=card.kind if card else None,
            deal_id=card.deal_id if card else None,
            task_id=card.task_id if card else None,
            owner=StaffInfo.of(owner_row) if owner_row else None,
            used=row.used_at is not None,
        )


async def claim(services: Services, presser: StaffInfo, press: Press) -> Verdict:
    """Only the card's owner, their head or an admin; a second press of a button gets USED."""
    if not may_act_for(presser, press.owner):
        return Verdict.FORBIDDEN
    async with services.db.transaction() as session:
        claimed = await Repositories(session).cards.claim_callback(
            press.callback_id, services.now()
        )
    return Verdict.OK if claimed is not None else Verdict.USED


async def release(services: Services, press: Press) -> None:
    """Re-arm a claimed button whose work could not be done (the CRM did not answer)."""
    async with services.db.transaction() as session:
        await session.execute(
            update(Callback)
            .where(Callback.id == press.callback_id)
            .values(used_at=None)
            .execution_options(synchronize_session=False)
        )
