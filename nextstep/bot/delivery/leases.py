"""Outbox row outcomes the storage module does not offer, written over its table.

- `release`: hand a claimed row back untried (its chat is paused, it waits for a card), so the
  claim does not count as an attempt;
- `requeue_dead`: a person pressed Retry on a write the CRM refused.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from nextstep.bot.storage.models import OutboxItem


async def release(
    session: AsyncSession, item_id: int, now: datetime, delay: timedelta, note: str
) -> bool:
    """Back to pending for `delay`, without using up an attempt; False if not ours any more."""
    stmt = (
        update(OutboxItem)
        .where(OutboxItem.id == item_id, OutboxItem.status == "sending")
        .values(
            status="pending",
            locked_until=None,
            next_attempt_at=now + delay,
            attempts=OutboxItem.attempts - 1,
            last_error=note,
        )
        .returning(OutboxItem.id)
        .execution_options(synchronize_session=False)
    )
    return (await session.execute(stmt)).scalar_one_or_none() is not None


async def requeue_dead(
    session: AsyncSession, item_id: int, now: datetime, kind: str | None = None
) -> bool:
    """Give a dead row another go now (attempts are kept); False unless it was dead."""
    stmt = update(OutboxItem).where(OutboxItem.id == item_id, OutboxItem.status == "dead")
    if kind is not None:
        stmt = stmt.where(OutboxItem.kind == kind)
    stmt = (
        stmt.values(status="pending", locked_until=None, next_attempt_at=now)
        .returning(OutboxItem.id)
        .execution_options(synchronize_session=False)
    )
    return (await session.execute(stmt)).scalar_one_or_none() is not None
