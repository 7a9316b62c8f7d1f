"""Per-deal playbook state the CRM does not hold (no-answer count, who took it and when)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from nextstep.bot.storage.dialect import insert
from nextstep.bot.storage.models import DealFlow

FLOW_FIELDS = frozenset(
    {"no_answer_attempts", "taken_at", "taken_by", "take_task_id", "last_outcome"}
)


class DealFlowRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, deal_id: int) -> DealFlow | None:
        return await self.session.get(DealFlow, deal_id, populate_existing=True)

    async def update(self, deal_id: int, now: datetime, **fields: Any) -> DealFlow:
        """Set some fields (creating the row if needed); others keep their values."""
        unknown = set(fields) - FLOW_FIELDS
        if unknown:
            raise TypeError(f"unknown deal_flow fields: {sorted(unknown)}")
        values = {"no_answer_attempts": 0, **fields, "updated_at": now}
        stmt = insert(self.session, DealFlow).values(deal_id=deal_id, **values)
        stmt = stmt.on_conflict_do_update(
            index_elements=["deal_id"], set_={**fields, "updated_at": now}
        )
        await self.session.execute(stmt)
        flow = await self.get(deal_id)
        assert flow is not None
        return flow
