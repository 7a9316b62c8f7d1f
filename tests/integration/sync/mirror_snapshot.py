"""The mirror's contents as plain tuples, and the same built from the sandbox's state."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from nextstep.bot.storage import Database
from nextstep.bot.storage.models import CrmDeal, CrmPipeline, CrmStage, CrmTask, CrmUser
from nextstep.sandbox.crm.state import CrmState

DealKey = tuple[Any, ...]


def ts(value: int | None) -> datetime | None:
    return None if value is None else datetime.fromtimestamp(value, UTC)


async def snapshot(db: Database) -> dict[str, set[tuple[Any, ...]]]:
    """Every mirror row, every column (so any change at all shows up)."""
    out: dict[str, set[tuple[Any, ...]]] = {}
    async with db.session() as s:
        for model in (CrmUser, CrmPipeline, CrmStage, CrmDeal, CrmTask):
            columns = list(model.__table__.columns.keys())
            rows = await s.scalars(select(model))
            out[model.__tablename__] = {
                tuple(
                    repr(getattr(r, c)) if c == "custom_fields" else getattr(r, c) for c in columns
                )
                for r in rows
            }
    return out


async def mirrored_deals(db: Database) -> dict[int, DealKey]:
    async with db.session() as s:
        rows = await s.scalars(select(CrmDeal).where(CrmDeal.is_deleted.is_(False)))
        return {
            r.id: (r.name, r.price, r.pipeline_id, r.status_id, r.responsible_user_id,
                   r.created_at, r.updated_at)
            for r in rows
        }  # fmt: skip


async def mirrored_stage_times(db: Database) -> dict[int, datetime]:
    async with db.session() as s:
        return {r.id: r.stage_entered_at for r in await s.scalars(select(CrmDeal))}


async def mirrored_open_tasks(db: Database) -> set[int]:
    async with db.session() as s:
        return set(await s.scalars(select(CrmTask.id).where(CrmTask.is_completed.is_(False))))


def sandbox_deals(state: CrmState) -> dict[int, DealKey]:
    return {
        lead.id: (lead.name, float(lead.price), lead.pipeline_id, lead.status_id,
                  lead.responsible_user_id, ts(lead.created_at), ts(lead.updated_at))
        for lead in state.leads.values()
        if not lead.is_deleted
    }  # fmt: skip


def sandbox_stage_times(state: CrmState) -> dict[int, datetime]:
    """Latest lead_status_changed per lead, else its creation: straight from the state."""
    latest: dict[int, tuple[int, int]] = {}
    for e in state.events:
        if e.type == "lead_status_changed" and e.entity_type == "lead":
            key = (e.created_at, e.seq)
            latest[e.entity_id] = max(latest.get(e.entity_id, key), key)
    out: dict[int, datetime] = {}
    for lead in state.leads.values():
        if lead.is_deleted:
            continue
        stamp = ts(latest[lead.id][0] if lead.id in latest else lead.created_at)
        assert stamp is not None
        out[lead.id] = stamp
    return out


def sandbox_open_tasks(state: CrmState) -> set[int]:
    return {t.id for t in state.tasks.values() if not t.is_completed}
