"""The inbox: every incoming event is stored first (deduplicated), then processed.

A resent webhook carries the same dedup key, so it is stored once and processed once.
Processing takes a lease (`locked_until`) so a crash mid-way makes the event due again.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from nextstep.bot.storage.dialect import insert, skip_locked
from nextstep.bot.storage.models import InboxItem


async def enqueue_inbox(
    session: AsyncSession, source: str, dedup_key: str, payload: dict[str, Any], now: datetime
) -> bool:
    """Store an event; False when one with the same `dedup_key` was stored before."""
    stmt = (
        insert(session, InboxItem)
        .values(source=source, dedup_key=dedup_key, payload=payload, received_at=now, attempts=0)
        .on_conflict_do_nothing(index_elements=["dedup_key"])
        .returning(InboxItem.id)
    )
    return (await session.execute(stmt)).scalar_one_or_none() is not None


def _claimable(row: Any, now: datetime, max_attempts: int) -> Any:
    return (
        row.processed_at.is_(None)
        & or_(row.locked_until.is_(None), row.locked_until <= now)
        & (row.attempts < max_attempts)
    )


async def claim_inbox(
    session: AsyncSession,
    limit: int,
    now: datetime,
    lease: timedelta,
    max_attempts: int = 10,
) -> Sequence[InboxItem]:
    """Take up to `limit` unprocessed events in arrival order for `lease`."""
    row = aliased(InboxItem)
    candidates = select(row.id).where(_claimable(row, now, max_attempts))
    candidates = skip_locked(session, candidates.order_by(row.id).limit(limit))
    stmt = (
        update(InboxItem)
        .where(
            InboxItem.id.in_(candidates.scalar_subquery()),
            _claimable(InboxItem, now, max_attempts),
        )
        .values(locked_until=now + lease, attempts=InboxItem.attempts + 1)
        .returning(InboxItem)
        .execution_options(synchronize_session=False, populate_existing=True)
    )
    return sorted((await session.scalars(stmt)).all(), key=lambda item: item.id)


async def mark_inbox_done(session: AsyncSession, item_id: int, now: datetime) -> None:
    await session.execute(
        update(InboxItem)
        .where(InboxItem.id == item_id)
        .values(processed_at=now, locked_until=None, last_error=None)
        .execution_options(synchronize_session=False)
    )


async def mark_inbox_failed(
    session: AsyncSession, item_id: int, error: str, retry_at: datetime
) -> None:
    """Keep the event for another try, not before `retry_at`."""
    await session.execute(
        update(InboxItem)
        .where(InboxItem.id == item_id)
        .values(locked_until=retry_at, last_error=error)
        .execution_options(synchronize_session=False)
    )
