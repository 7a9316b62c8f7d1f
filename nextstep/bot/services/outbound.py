"""Writing outbox rows in the shapes of docs/bot-layer.md, inside the caller's transaction.

Cards get their callbacks rows here: a button's payload carries only the callback's short id.
An edit whose rendering did not change is skipped (Telegram would answer "not modified").
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from nextstep.bot.services.cards import ButtonSpec, CardView
from nextstep.bot.storage import Database, Repositories
from nextstep.bot.storage.models import Card, OutboxItem
from nextstep.bot.storage.outbox import enqueue

OPEN, DONE = "open", "done"


def one_off_key(prefix: str) -> str:
    """A dedup key for a message sent once by a handler (nothing re-processes it)."""
    return f"{prefix}:{uuid.uuid4().hex}"


class Outbound:
    def __init__(self, session: AsyncSession, now: datetime) -> None:
        self.session = session
        self.repos = Repositories(session)
        self.now = now
        self.kinds: set[str] = set()

    async def enqueued(self, dedup_key: str) -> bool:
        stmt = select(OutboxItem.id).where(OutboxItem.dedup_key == dedup_key)
        return (await self.session.execute(stmt)).first() is not None

    async def crm(self, deal_id: int, payload: dict[str, Any], dedup_key: str) -> bool:
        """One CRM write, ordered after the deal's earlier ones; False if already enqueued."""
        row = await enqueue(
            self.session,
            "crm",
            {**payload, "deal_id": deal_id},
            dedup_key,
            now=self.now,
            order_key=f"deal:{deal_id}",
        )
        if row is not None:
            self.kinds.add("crm")
        return row is not None

    async def text(self, chat_id: int, text: str, dedup_key: str) -> bool:
        return (
            await self._telegram(
                chat_id,
                {"op": "send", "chat_id": chat_id, "text": text, "buttons": [], "card_id": None},
                dedup_key,
            )
            is not None
        )

    async def send_card(
        self,
        *,
        chat_id: int,
        owner_staff_id: int | None,
        kind: str,
        view: CardView,
        dedup_key: str,
        deal_id: int | None = None,
        task_id: int | None = None,
    ) -> Card | None:
        """A new card message; None (and no card) when `dedup_key` was enqueued before."""
        card = await self.repos.cards.add(
            chat_id=chat_id,
            kind=kind,
            now=self.now,
            deal_id=deal_id,
            task_id=task_id,
            owner_staff_id=owner_staff_id,
        )
        buttons = await self._buttons(card.id, view.buttons)
        payload = {"op": "send", "chat_id": chat_id, "text": view.text, "buttons": buttons}
        row = await self._telegram(chat_id, {**payload, "card_id": card.id}, dedup_key)
        if row is None:
            await self.session.delete(card)  # its callbacks go with it (ON DELETE CASCADE)
            await self.session.flush()
            return None
        card.outbox_id = row
        self._remember(card, view)
        return card

    async def edit_card(self, card: Card, view: CardView, dedup_key: str) -> bool:
        """Redraw a card (old buttons made inert); False when nothing would change."""
        if card.payload.get("digest") == view.digest():
            return False
        await self.repos.cards.expire_callbacks(card.id, self.now)
        buttons = await self._buttons(card.id, view.buttons)
        payload = {"op": "edit", "card_id": card.id, "text": view.text, "buttons": buttons}
        if await self._telegram(card.chat_id, payload, dedup_key) is None:
            return False
        self._remember(card, view)
        return True

    def _remember(self, card: Card, view: CardView) -> None:
        card.payload = {**card.payload, "digest": view.digest(), "view": view.to_json()}
        card.state = OPEN if view.live else DONE
        card.updated_at = self.now

    async def _buttons(
        self, card_id: int, rows: Sequence[Sequence[ButtonSpec]]
    ) -> list[list[dict[str, str]]]:
        out: list[list[dict[str, str]]] = []
        for row in rows:
            out.append([])
            for spec in row:
                cb = await self.repos.cards.add_callback(card_id, spec.action, self.now, spec.args)
                out[-1].append({"text": spec.label, "cb": cb})
        return out

    async def _telegram(self, chat_id: int, payload: dict[str, Any], key: str) -> int | None:
        row = await enqueue(
            self.session,
            "telegram",
            payload,
            key,
            chat_id=chat_id,
            now=self.now,
            order_key=f"chat:{chat_id}",
        )
        if row is not None:
            self.kinds.add("telegram")
        return row


async def send_text(db: Database, now: datetime, chat_id: int, text: str) -> set[str]:
    """A one-off message through the outbox (its own transaction); returns the kinds to wake."""
    async with db.transaction() as session:
        out = Outbound(session, now)
        await out.text(chat_id, text, one_off_key(f"msg:{chat_id}"))
        return out.kinds
