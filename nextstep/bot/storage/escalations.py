"""Escalations: one live record per (rule, subject) that climbs levels until closed."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from nextstep.bot.storage.dialect import insert
from nextstep.bot.storage.models import Escalation

_ACTIVE = Escalation.status != "closed"
_LIVE_INDEX = text("status != 'closed'")  # the partial unique index on (rule, subject_key)


@dataclass(frozen=True, slots=True)
class LiveRecord:
    """What `EscalationRepository.store_live` writes for one live (not closed) escalation."""

    rule: str
    subject_key: str
    level: int
    status: str
    opened_at: datetime
    snoozed_until: datetime | None
    payload: dict[str, Any]


class EscalationRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def open(
        self,
        rule: str,
        subject_key: str,
        now: datetime,
        *,
        level: int = 0,
        card_id: int | None = None,
        payload: dict[str, Any] | None = None,
    ) -> Escalation | None:
        """Open an escalation; None when one for (rule, subject) is already live (idempotent)."""
        stmt = (
            insert(self.session, Escalation)
            .values(
                rule=rule,
                subject_key=subject_key,
                level=level,
                status="open",
                opened_at=now,
                updated_at=now,
                card_id=card_id,
                payload=payload or {},
            )
            .on_conflict_do_nothing(
                index_elements=["rule", "subject_key"], index_where=_LIVE_INDEX
            )
            .returning(Escalation)
            .execution_options(populate_existing=True)
        )
        return (await self.session.scalars(stmt)).one_or_none()

    async def store_live(
        self, records: Sequence[LiveRecord], now: datetime, *, card_id: int | None = None
    ) -> None:
        """Write many live records in one statement: a new one is opened, a live one gets the
        record's level, status, snooze and payload (its `opened_at` stays; its card stays
        unless `card_id` is given). A first sweep over a big account groups thousands of pings
        into one summary card; row by row that was three statements each."""
        if not records:
            return
        stmt = insert(self.session, Escalation)
        stmt = stmt.on_conflict_do_update(
            index_elements=["rule", "subject_key"],
            index_where=_LIVE_INDEX,
            set_={
                "level": stmt.excluded.level,
                "status": stmt.excluded.status,
                "snoozed_until": stmt.excluded.snoozed_until,
                "payload": stmt.excluded.payload,
                "updated_at": stmt.excluded.updated_at,
                "card_id": func.coalesce(stmt.excluded.card_id, Escalation.card_id),
            },
        )
        rows = [
            {
                "rule": r.rule,
                "subject_key": r.subject_key,
                "level": r.level,
                "status": r.status,
                "opened_at": r.opened_at,
                "updated_at": now,
                "snoozed_until": r.snoozed_until,
                "card_id": card_id,
                "payload": r.payload,
            }
            for r in records
        ]
        await self.session.execute(stmt, rows)

    async def active(self, rule: str, subject_key: str) -> Escalation | None:
        stmt = select(Escalation).where(
            Escalation.rule == rule, Escalation.subject_key == subject_key, _ACTIVE
        )
        return (await self.session.scalars(stmt.execution_options(populate_existing=True))).first()

    async def list_active(self, rule: str | None = None) -> Sequence[Escalation]:
        stmt = select(Escalation).where(_ACTIVE).order_by(Escalation.id)
        if rule is not None:
            stmt = stmt.where(Escalation.rule == rule)
        return (await self.session.scalars(stmt.execution_options(populate_existing=True))).all()

    async def raise_level(self, escalation_id: int, level: int, now: datetime) -> bool:
        """Move up to `level` (never down); False if closed or already there."""
        return await self._set(
            escalation_id, now, Escalation.level < level, level=level, status="open"
        )

    async def ack(self, escalation_id: int, now: datetime) -> bool:
        return await self._set(escalation_id, now, status="acked")

    async def snooze(self, escalation_id: int, until: datetime, now: datetime) -> bool:
        return await self._set(escalation_id, now, status="snoozed", snoozed_until=until)

    async def close(self, escalation_id: int, reason: str, now: datetime) -> bool:
        return await self._set(
            escalation_id, now, status="closed", closed_at=now, close_reason=reason
        )

    async def _set(self, escalation_id: int, now: datetime, *where: Any, **values: Any) -> bool:
        stmt = (
            update(Escalation)
            .where(Escalation.id == escalation_id, _ACTIVE, *where)
            .values(updated_at=now, **values)
            .returning(Escalation.id)
            .execution_options(synchronize_session=False)
        )
        return (await self.session.execute(stmt)).scalar_one_or_none() is not None
