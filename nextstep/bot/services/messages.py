"""Plain replies and small menus (language, invites), through the outbox like everything else."""

from __future__ import annotations

from nextstep.bot.services.cards import CardView
from nextstep.bot.services.deps import Services
from nextstep.bot.services.outbound import Outbound, one_off_key, send_text
from nextstep.bot.services.staff import StaffInfo
from nextstep.bot.storage import Repositories


async def say(services: Services, chat_id: int, text: str) -> None:
    services.woke(await send_text(services.db, services.now(), chat_id, text))


async def send_menu(services: Services, staff: StaffInfo, kind: str, view: CardView) -> int | None:
    """A message with buttons only `staff` (or an admin) may press; returns its card id."""
    assert staff.telegram_id is not None
    async with services.db.transaction() as session:
        out = Outbound(session, services.now())
        card = await out.send_card(
            chat_id=staff.telegram_id,
            owner_staff_id=staff.id,
            kind=kind,
            view=view,
            dedup_key=one_off_key(f"menu:{kind}"),
        )
    services.woke(out.kinds)
    return card.id if card else None


async def redraw(services: Services, card_id: int, view: CardView) -> None:
    """Edit a menu in place (its old buttons stop working)."""
    async with services.db.transaction() as session:
        card = await Repositories(session).cards.get(card_id)
        if card is None:
            return
        out = Outbound(session, services.now())
        await out.edit_card(card, view, one_off_key(f"redraw:{card_id}"))
    services.woke(out.kinds)
