"""Notices the relays send about their own trouble: plain `telegram` outbox rows, enqueued in
the same transaction that records the trouble (so a crash cannot record one without the other).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from nextstep.bot.storage import outbox as outbox_store
from nextstep.bot.storage.models import Staff

ADMIN = "admin"


async def reachable_admins(
    session: AsyncSession, *, exclude: int | None = None
) -> Sequence[Staff]:
    stmt = select(Staff).where(
        Staff.role == ADMIN, Staff.telegram_id.is_not(None), Staff.is_reachable.is_(True)
    )
    if exclude is not None:
        stmt = stmt.where(Staff.id != exclude)
    return (await session.scalars(stmt.order_by(Staff.id))).all()


async def enqueue_message(
    session: AsyncSession,
    chat_id: int,
    text: str,
    dedup_key: str,
    now: datetime,
    buttons: list[list[dict[str, Any]]] | None = None,
) -> int | None:
    """A plain message through the outbox, in order with the chat's other messages."""
    payload: dict[str, Any] = {
        "op": "send",
        "chat_id": chat_id,
        "text": text,
        "buttons": buttons or [],
        "card_id": None,
    }
    return await outbox_store.enqueue(
        session,
        "telegram",
        payload,
        dedup_key,
        chat_id=chat_id,
        now=now,
        order_key=f"chat:{chat_id}",
    )


async def mark_unreachable(session: AsyncSession, chat_id: int, reason: str) -> Staff | None:
    """Flag the staff member behind `chat_id` unreachable; returns them only when this call made
    the change (so that exactly one notice goes out per time they become unreachable)."""
    stmt = (
        update(Staff)
        .where(Staff.telegram_id == chat_id, Staff.is_reachable.is_(True))
        .values(is_reachable=False, unreachable_reason=reason)
        .returning(Staff)
        .execution_options(synchronize_session=False, populate_existing=True)
    )
    return (await session.scalars(stmt)).one_or_none()
