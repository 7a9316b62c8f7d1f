"""The outbox: the only way a message or a CRM write leaves (see docs/bot-layer.md).

Rows are written inside the deciding transaction, then claimed by relays with a lease: a relay
that dies between claim and send leaves the row `sending` with an expired `locked_until`, and
the next claim takes it again, so nothing is lost (at-least-once; `dedup_key` travels along).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import and_, exists, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from nextstep.bot.storage.dialect import insert, skip_locked
from nextstep.bot.storage.models import OutboxItem

OUTSTANDING = ("pending", "sending")


async def enqueue(
    session: AsyncSession,
    kind: str,
    payload: dict[str, Any],
    dedup_key: str,
    chat_id: int | None = None,
    not_before: datetime | None = None,
    *,
    now: datetime | None = None,
    order_key: str | None = None,
) -> int | None:
    """Add a row unless one with `dedup_key` exists; returns the new id, or None if a duplicate.

    `order_key` (e.g. "deal:42") makes rows sharing it go out strictly in enqueue order.
    """
    now = now or datetime.now(UTC)
    stmt = (
        insert(session, OutboxItem)
        .values(
            kind=kind,
            payload=payload,
            dedup_key=dedup_key,
            chat_id=chat_id,
            order_key=order_key,
            status="pending",
            attempts=0,
            next_attempt_at=not_before or now,
            created_at=now,
        )
        .on_conflict_do_nothing(index_elements=["dedup_key"])
        .returning(OutboxItem.id)
    )
    return (await session.execute(stmt)).scalar_one_or_none()


def _claimable(row: Any, now: datetime) -> Any:
    due = and_(row.status == "pending", row.next_attempt_at <= now)
    lease_expired = and_(row.status == "sending", row.locked_until <= now)
    return or_(due, lease_expired)


async def claim_batch(
    session: AsyncSession,
    limit: int,
    now: datetime,
    lease: timedelta,
    kind: str | None = None,
) -> Sequence[OutboxItem]:
    """Take up to `limit` due rows (oldest first) for `lease`; commit, then send.

    A row waits while an older row with the same `order_key` is still outstanding.
    """
    row, older = aliased(OutboxItem), aliased(OutboxItem)
    blocked = exists().where(
        older.order_key == row.order_key, older.id < row.id, older.status.in_(OUTSTANDING)
    )
    candidates = select(row.id).where(_claimable(row, now), ~blocked)
    if kind is not None:
        candidates = candidates.where(row.kind == kind)
    candidates = skip_locked(session, candidates.order_by(row.id).limit(limit))
    stmt = (
        update(OutboxItem)
        # The outer re-check keeps a row claimed once even if the subquery saw a stale state.
        .where(OutboxItem.id.in_(candidates.scalar_subquery()), _claimable(OutboxItem, now))
        .values(status="sending", locked_until=now + lease, attempts=OutboxItem.attempts + 1)
        .returning(OutboxItem)
        .execution_options(synchronize_session=False, populate_existing=True)
    )
    rows = (await session.scalars(stmt)).all()
    return sorted(rows, key=lambda item: item.id)


async def _finish(session: AsyncSession, item_id: int, **values: Any) -> bool:
    stmt = (
        update(OutboxItem)
        .where(OutboxItem.id == item_id, OutboxItem.status == "sending")
        .values(locked_until=None, **values)
        .returning(OutboxItem.id)
        .execution_options(synchronize_session=False)
    )
    return (await session.execute(stmt)).scalar_one_or_none() is not None


async def mark_sent(
    session: AsyncSession, item_id: int, now: datetime, result: dict[str, Any] | None = None
) -> bool:
    """Record success (e.g. `{"message_id": M}`); False if the row was not being sent."""
    return await _finish(session, item_id, status="sent", sent_at=now, result=result)


async def mark_retry(
    session: AsyncSession, item_id: int, now: datetime, delay: timedelta, error: str
) -> bool:
    return await _finish(
        session, item_id, status="pending", next_attempt_at=now + delay, last_error=error
    )


async def mark_dead(session: AsyncSession, item_id: int, error: str) -> bool:
    """Give up on the row (the error is kept for the admin); nothing retries it."""
    return await _finish(session, item_id, status="dead", last_error=error)


async def drop_followers(session: AsyncSession, row: OutboxItem, prefix: str, error: str) -> int:
    """Give up on the rows enqueued after `row`, in its order, whose dedup key starts with
    `prefix`: the steps that only make sense once `row` landed (a refused hand-over's task
    move). Rows already sent or being sent are left alone."""
    stmt = (
        update(OutboxItem)
        .where(
            OutboxItem.kind == row.kind,
            OutboxItem.order_key == row.order_key,
            OutboxItem.id > row.id,
            OutboxItem.status == "pending",
            OutboxItem.dedup_key.startswith(prefix, autoescape=True),
        )
        .values(status="dead", last_error=error)
        .execution_options(synchronize_session=False)
    )
    result = await session.execute(stmt)
    return int(getattr(result, "rowcount", 0))


async def get(session: AsyncSession, item_id: int) -> OutboxItem | None:
    return await session.get(OutboxItem, item_id, populate_existing=True)
