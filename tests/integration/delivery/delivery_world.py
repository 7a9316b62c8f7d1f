"""People, a movable clock and enqueue helpers for the relay tests."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from nextstep.bot.storage import Database, outbox
from nextstep.bot.storage.callbacks import CardRepository
from nextstep.bot.storage.models import OutboxItem, Staff
from nextstep.bot.storage.staff import StaffRepository

IVAN, OLGA, ADMIN = 1001, 1002, 1009
IVAN_CRM, OLGA_CRM, ADMIN_CRM = 501, 502, 509


@dataclass
class Clock:
    """The relays' clock: real time plus whatever a test skipped ahead."""

    offset: timedelta = field(default_factory=timedelta)

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.offset

    def skip(self, seconds: float) -> None:
        self.offset += timedelta(seconds=seconds)


async def add_staff(db: Database) -> dict[str, Staff]:
    now = datetime.now(UTC)
    async with db.transaction() as s:
        repo = StaffRepository(s)
        return {
            "ivan": await repo.add(
                crm_user_id=IVAN_CRM, role="manager", now=now, telegram_id=IVAN, name="Иван"
            ),
            "olga": await repo.add(
                crm_user_id=OLGA_CRM,
                role="manager",
                now=now,
                telegram_id=OLGA,
                name="Olga",
                locale="en",
            ),
            "admin": await repo.add(
                crm_user_id=ADMIN_CRM,
                role="admin",
                now=now,
                telegram_id=ADMIN,
                name="Anna",
                locale="en",
            ),
        }


async def send(
    db: Database,
    chat_id: int,
    text: str,
    *,
    buttons: list[list[dict[str, Any]]] | None = None,
    card: bool = False,
    owner_staff_id: int | None = None,
    deal_id: int | None = None,
    now: datetime | None = None,
) -> tuple[int, int | None]:
    """Enqueue a message (a card when `card`); returns (outbox id, card id)."""
    now = now or datetime.now(UTC)
    async with db.transaction() as s:
        card_id = None
        if card:
            row = await CardRepository(s).add(
                chat_id=chat_id,
                kind="deal",
                now=now,
                deal_id=deal_id,
                owner_staff_id=owner_staff_id,
            )
            card_id = row.id
        payload = {
            "op": "send",
            "chat_id": chat_id,
            "text": text,
            "buttons": buttons or [],
            "card_id": card_id,
        }
        item_id = await outbox.enqueue(
            s,
            "telegram",
            payload,
            f"t:{chat_id}:{_digest(text)}:{card_id}",
            chat_id=chat_id,
            now=now,
            order_key=f"chat:{chat_id}",
        )
        assert item_id is not None
        if card_id is not None:
            (await CardRepository(s).get(card_id)).outbox_id = item_id  # type: ignore[union-attr]
        return item_id, card_id


def _digest(text: str) -> str:
    """The text in a dedup key (the column holds 255 characters; a card may hold 4,096)."""
    return hashlib.sha1(text.encode()).hexdigest()


async def edit(db: Database, card_id: int, chat_id: int, text: str, buttons: Any = None) -> int:
    async with db.transaction() as s:
        payload = {"op": "edit", "card_id": card_id, "text": text, "buttons": buttons or []}
        item_id = await outbox.enqueue(
            s,
            "telegram",
            payload,
            f"e:{card_id}:{_digest(text)}",
            chat_id=chat_id,
            order_key=f"chat:{chat_id}",
        )
        assert item_id is not None
        return item_id


async def row(db: Database, item_id: int) -> OutboxItem:
    async with db.transaction() as s:
        item = await outbox.get(s, item_id)
        assert item is not None
        return item


async def staff(db: Database, staff_id: int) -> Staff:
    async with db.transaction() as s:
        found = await StaffRepository(s).get(staff_id)
        assert found is not None
        await s.refresh(found)
        return found
