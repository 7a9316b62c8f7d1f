"""Who works when: one JSON spec per staff member (the playbook's schedule rules read it)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from nextstep.bot.storage.dialect import insert
from nextstep.bot.storage.models import Schedule


class ScheduleRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, staff_id: int) -> dict[str, Any] | None:
        row = await self.session.get(Schedule, staff_id, populate_existing=True)
        return row.spec if row else None

    async def set(self, staff_id: int, spec: dict[str, Any], now: datetime) -> None:
        stmt = insert(self.session, Schedule).values(staff_id=staff_id, spec=spec, updated_at=now)
        await self.session.execute(
            stmt.on_conflict_do_update(
                index_elements=["staff_id"], set_={"spec": spec, "updated_at": now}
            )
        )
