"""The local mirror of the CRM: what sweeps and digests read without calling the CRM.

Upserts are idempotent (the same data twice changes nothing) and never let an older copy of a
deal or task overwrite a newer one (webhooks and the periodic sync may arrive out of order).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import case, delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from nextstep.bot.storage.dialect import insert
from nextstep.bot.storage.models import CrmDeal, CrmPipeline, CrmStage, CrmTask, CrmUser, SyncState
from nextstep.crm_client.models import CustomFieldValue, Deal, Pipeline, Task, User


def deal_row(deal: Deal) -> dict[str, Any]:
    contact = deal.contacts[0] if deal.contacts else None
    return {
        "id": deal.id,
        "name": deal.name,
        "price": deal.price,
        "pipeline_id": deal.pipeline_id,
        "status_id": deal.status_id,
        "responsible_user_id": deal.responsible_user_id,
        "created_at": deal.created_at,
        "updated_at": deal.updated_at,
        "closed_at": deal.closed_at,
        "stage_entered_at": deal.updated_at,
        "loss_reason_id": deal.loss_reason_id,
        "source": deal.source,
        "contact_name": contact.name if contact else None,
        "contact_phone": contact.phone if contact else None,
        "custom_fields": [cf.model_dump(mode="json") for cf in deal.custom_fields],
        "is_deleted": deal.is_deleted,
    }


def row_deal(row: CrmDeal) -> Deal:
    return Deal(
        id=row.id,
        name=row.name,
        price=row.price,
        pipeline_id=row.pipeline_id,
        status_id=row.status_id,
        responsible_user_id=row.responsible_user_id,
        created_at=row.created_at,
        updated_at=row.updated_at,
        closed_at=row.closed_at,
        loss_reason_id=row.loss_reason_id,
        source=row.source,
        is_deleted=row.is_deleted,
        custom_fields=tuple(CustomFieldValue.model_validate(cf) for cf in row.custom_fields),
    )


def task_row(task: Task) -> dict[str, Any]:
    return task.model_dump(include=set(CrmTask.__table__.columns.keys()))


def row_task(row: CrmTask) -> Task:
    return Task(
        id=row.id,
        text=row.text,
        task_type_id=row.task_type_id,
        entity_type=row.entity_type,
        entity_id=row.entity_id,
        responsible_user_id=row.responsible_user_id,
        complete_till=row.complete_till,
        is_completed=row.is_completed,
        result_text=row.result_text,
        updated_at=row.updated_at,
    )


class MirrorRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def upsert_users(self, users: Sequence[User]) -> None:
        rows = [u.model_dump(exclude={"id"}) | {"id": u.id} for u in users]
        await self._upsert(CrmUser, rows, ["id"])

    async def upsert_pipelines(self, pipelines: Sequence[Pipeline]) -> None:
        """Pipelines with their stages; stages the CRM no longer lists are removed."""
        rows = [p.model_dump(include={"id", "name", "sort", "is_main"}) for p in pipelines]
        await self._upsert(CrmPipeline, rows, ["id"])
        for pipeline in pipelines:
            ids = [s.id for s in pipeline.stages]
            await self.session.execute(
                delete(CrmStage).where(
                    CrmStage.pipeline_id == pipeline.id, CrmStage.id.not_in(ids)
                )
            )
            stages = [s.model_dump(mode="json") for s in pipeline.stages]
            await self._upsert(CrmStage, stages, ["pipeline_id", "id"])

    async def upsert_deals(self, deals: Sequence[Deal]) -> None:
        await self._upsert(CrmDeal, [deal_row(d) for d in deals], ["id"], newer_only=True)

    async def upsert_tasks(self, tasks: Sequence[Task]) -> None:
        await self._upsert(CrmTask, [task_row(t) for t in tasks], ["id"], newer_only=True)

    async def get_deal(self, deal_id: int) -> Deal | None:
        row = await self.session.get(CrmDeal, deal_id, populate_existing=True)
        return row_deal(row) if row else None

    async def stage_entered_at(self, deal_id: int) -> datetime | None:
        stmt = select(CrmDeal.stage_entered_at).where(CrmDeal.id == deal_id)
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def open_tasks(self, deal_id: int) -> list[Task]:
        stmt = (
            select(CrmTask)
            .where(CrmTask.entity_id == deal_id, CrmTask.is_completed.is_(False))
            .order_by(CrmTask.complete_till, CrmTask.id)
        )
        return [row_task(r) for r in await self.session.scalars(stmt)]

    async def stages(self, pipeline_id: int) -> Sequence[CrmStage]:
        stmt = select(CrmStage).where(CrmStage.pipeline_id == pipeline_id)
        return (await self.session.scalars(stmt.order_by(CrmStage.sort, CrmStage.id))).all()

    async def _upsert(
        self,
        model: type[CrmDeal | CrmTask | CrmUser | CrmPipeline | CrmStage],
        rows: list[dict[str, Any]],
        keys: list[str],
        *,
        newer_only: bool = False,
    ) -> None:
        """INSERT ... ON CONFLICT DO UPDATE for every row, as one executemany.

        One statement is compiled once and run with a parameter set per row (the driver's
        executemany), not rebuilt as a many-row VALUES per chunk: compiling a 500-row VALUES
        costs far more than the database's work. All rows carry the same keys.
        """
        if not rows:
            return
        table = model.__table__
        stmt = insert(self.session, table)
        updates: dict[str, Any] = {
            c.name: stmt.excluded[c.name] for c in table.columns if c.name not in keys
        }
        where = None
        if newer_only:
            # An older copy never overwrites a newer one (out-of-order webhook/sync).
            where = table.c.updated_at.is_(None) | (stmt.excluded.updated_at >= table.c.updated_at)
        if model is CrmDeal:
            updates.pop("created_at")
            moved = (table.c.status_id != stmt.excluded.status_id) | (
                table.c.pipeline_id != stmt.excluded.pipeline_id
            )
            updates["stage_entered_at"] = case(
                (moved, stmt.excluded.stage_entered_at), else_=table.c.stage_entered_at
            )
        upsert = stmt.on_conflict_do_update(index_elements=keys, set_=updates, where=where)
        # On the connection: a Core executemany, not the ORM's per-row bulk insert path.
        await (await self.session.connection()).execute(upsert, rows)


class SyncStateRepository:
    """Small named values for the sync job (cursors, last run times)."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, key: str) -> Any:
        row = await self.session.get(SyncState, key, populate_existing=True)
        return row.value if row else None

    async def set(self, key: str, value: Any, now: datetime) -> None:
        stmt = insert(self.session, SyncState).values(key=key, value=value, updated_at=now)
        await self.session.execute(
            stmt.on_conflict_do_update(
                index_elements=["key"], set_={"value": stmt.excluded.value, "updated_at": now}
            )
        )
