"""Durable deadlines ("lead not taken in 10 minutes"): stored, so a restart loses none, and
fired through a conditional UPDATE, so two sweeps racing on one timer fire it once."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from nextstep.bot.storage.dialect import insert
from nextstep.bot.storage.models import Timer


class TimerRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def schedule(
        self,
        kind: str,
        key: str,
        due_at: datetime,
        now: datetime,
        payload: dict[str, Any] | None = None,
    ) -> bool:
        """Set (or move) the timer `key`; a timer that already fired is left alone (False)."""
        stmt = insert(self.session, Timer).values(
            kind=kind, key=key, due_at=due_at, payload=payload or {}, created_at=now
        )
        upsert = stmt.on_conflict_do_update(
            index_elements=["key"],
            set_={"due_at": due_at, "payload": stmt.excluded.payload, "cancelled_at": None},
            where=Timer.__table__.c.fired_at.is_(None),
        ).returning(Timer.id)
        return (await self.session.execute(upsert)).scalar_one_or_none() is not None

    async def cancel(self, key: str, now: datetime) -> bool:
        stmt = (
            update(Timer)
            .where(Timer.key == key, Timer.fired_at.is_(None), Timer.cancelled_at.is_(None))
            .values(cancelled_at=now)
            .returning(Timer.id)
            .execution_options(synchronize_session=False)
        )
        return (await self.session.execute(stmt)).scalar_one_or_none() is not None

    async def due(self, now: datetime, limit: int = 100) -> Sequence[Timer]:
        stmt = (
            select(Timer)
            .where(Timer.due_at <= now, Timer.fired_at.is_(None), Timer.cancelled_at.is_(None))
            .order_by(Timer.due_at, Timer.id)
            .limit(limit)
            .execution_options(populate_existing=True)
        )
        return (await self.session.scalars(stmt)).all()

    async def fire(self, timer_id: int, now: datetime) -> Timer | None:
        """Mark a due timer fired; None if already fired or cancelled: act only on a Timer."""
        stmt = (
            update(Timer)
            .where(Timer.id == timer_id, Timer.fired_at.is_(None), Timer.cancelled_at.is_(None))
            .values(fired_at=now)
            .returning(Timer)
            .execution_options(synchronize_session=False, populate_existing=True)
        )
        return (await self.session.scalars(stmt)).one_or_none()

    async def get(self, key: str) -> Timer | None:
        stmt = select(Timer).where(Timer.key == key).execution_options(populate_existing=True)
        return (await self.session.scalars(stmt)).one_or_none()
