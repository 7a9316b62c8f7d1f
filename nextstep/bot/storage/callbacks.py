"""Cards (messages the bot keeps editing) and the single-use callbacks behind their buttons."""

from __future__ import annotations

import secrets
from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from nextstep.bot.storage.models import Callback, Card

CALLBACK_ID_BYTES = 9  # → 12 url-safe characters; "c:" + id stays far below Telegram's 64 bytes


def new_callback_id() -> str:
    return secrets.token_urlsafe(CALLBACK_ID_BYTES)


async def claim_callback(
    session: AsyncSession, callback_id: str, now: datetime
) -> Callback | None:
    """Mark a button press used; a second press of the same button gets None (acts once)."""
    stmt = (
        update(Callback)
        .where(Callback.id == callback_id, Callback.used_at.is_(None))
        .values(used_at=now)
        .returning(Callback)
        .execution_options(synchronize_session=False, populate_existing=True)
    )
    return (await session.scalars(stmt)).one_or_none()


class CardRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(
        self,
        *,
        chat_id: int,
        kind: str,
        now: datetime,
        deal_id: int | None = None,
        task_id: int | None = None,
        owner_staff_id: int | None = None,
        outbox_id: int | None = None,
        payload: dict[str, Any] | None = None,
    ) -> Card:
        card = Card(
            chat_id=chat_id,
            kind=kind,
            deal_id=deal_id,
            task_id=task_id,
            owner_staff_id=owner_staff_id,
            outbox_id=outbox_id,
            state="open",
            payload=payload or {},
            created_at=now,
            updated_at=now,
        )
        self.session.add(card)
        await self.session.flush()
        return card

    async def get(self, card_id: int) -> Card | None:
        return await self.session.get(Card, card_id)

    async def open_for_deal(self, deal_id: int) -> Sequence[Card]:
        stmt = select(Card).where(Card.deal_id == deal_id, Card.state == "open").order_by(Card.id)
        return (await self.session.scalars(stmt)).all()

    async def latest_for_deal(self, deal_id: int, kinds: Collection[str]) -> list[Card]:
        """Each chat's newest card of the deal among `kinds`, open or done (not superseded)."""
        stmt = (
            select(Card)
            .where(Card.deal_id == deal_id, Card.kind.in_(kinds), Card.state != "superseded")
            .order_by(Card.id)
        )
        newest = {card.chat_id: card for card in (await self.session.scalars(stmt)).all()}
        return sorted(newest.values(), key=lambda card: card.id)

    async def set_message_id(self, card_id: int, message_id: int, now: datetime) -> None:
        await self._update(card_id, message_id=message_id, updated_at=now)

    async def set_state(
        self, card_id: int, state: str, now: datetime, payload: dict[str, Any] | None = None
    ) -> None:
        values: dict[str, Any] = {"state": state, "updated_at": now}
        if payload is not None:
            values["payload"] = payload
        await self._update(card_id, **values)

    async def add_callback(
        self, card_id: int | None, action: str, now: datetime, args: dict[str, Any] | None = None
    ) -> str:
        """Register a button; returns its id (the callback_data)."""
        callback = Callback(
            id=new_callback_id(), card_id=card_id, action=action, args=args or {}, created_at=now
        )
        self.session.add(callback)
        await self.session.flush()
        return callback.id

    async def expire_callbacks(self, card_id: int, now: datetime) -> int:
        """Make every still-unused button of a card inert (the card was redrawn or closed)."""
        stmt = (
            update(Callback)
            .where(Callback.card_id == card_id, Callback.used_at.is_(None))
            .values(used_at=now)
            .execution_options(synchronize_session=False)
        )
        result = await self.session.execute(stmt)
        return int(getattr(result, "rowcount", 0))

    async def claim_callback(self, callback_id: str, now: datetime) -> Callback | None:
        return await claim_callback(self.session, callback_id, now)

    async def _update(self, card_id: int, **values: Any) -> None:
        await self.session.execute(
            update(Card)
            .where(Card.id == card_id)
            .values(**values)
            .execution_options(synchronize_session="fetch")
        )
