"""Compare what the CRM says with what the mirror holds, row by row.

The mirror's upserts are idempotent but do not say what they changed; the sync must (its report
is how an operator sees that a second run changed nothing), and writing only the rows that differ
keeps a quiet sync cheap. Values are compared as the database returns them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from nextstep.bot.storage.models import CrmDeal, CrmPipeline, CrmStage, CrmTask, CrmUser
from nextstep.crm_client.models import Pipeline, User

CHUNK = 500
M = TypeVar("M", CrmDeal, CrmTask)


def row_values(row: Any, keys: Iterable[str]) -> dict[str, Any]:
    return {key: getattr(row, key) for key in keys}


def differs(wanted: Mapping[str, Any], row: Any) -> bool:
    return any(getattr(row, key) != value for key, value in wanted.items())


async def load_by_ids(session: AsyncSession, model: type[M], ids: Sequence[int]) -> dict[int, M]:
    out: dict[int, M] = {}
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        stmt = select(model).where(model.id.in_(chunk))
        for row in await session.scalars(stmt):
            out[row.id] = row
    return out


async def users_changed(session: AsyncSession, users: Sequence[User]) -> list[User]:
    """Users that are new or differ from the mirror (the mirror never drops users: amoCRM
    deactivates them instead of deleting)."""
    stored = {u.id: u for u in await session.scalars(select(CrmUser))}
    changed: list[User] = []
    for user in users:
        row = stored.get(user.id)
        if row is None or differs(user.model_dump(), row):
            changed.append(user)
    return changed


async def pipelines_changed(
    session: AsyncSession, pipelines: Sequence[Pipeline]
) -> list[Pipeline]:
    """Pipelines that are new or whose name/order/stages differ from the mirror."""
    stored = {p.id: p for p in await session.scalars(select(CrmPipeline))}
    stages: dict[int, set[tuple[Any, ...]]] = {}
    for stage in await session.scalars(select(CrmStage)):
        stages.setdefault(stage.pipeline_id, set()).add(
            (stage.id, stage.name, stage.sort, stage.kind)
        )
    changed: list[Pipeline] = []
    for pipeline in pipelines:
        row = stored.get(pipeline.id)
        wanted = pipeline.model_dump(include={"id", "name", "sort", "is_main"})
        wanted_stages = {(s.id, s.name, s.sort, s.kind.value) for s in pipeline.stages}
        if row is None or differs(wanted, row) or stages.get(pipeline.id, set()) != wanted_stages:
            changed.append(pipeline)
    return changed
