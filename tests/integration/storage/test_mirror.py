"""The CRM mirror: upserts are idempotent and an older copy never overwrites a newer one."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from nextstep.bot.storage import Database, Repositories
from nextstep.bot.storage.models import CrmDeal, CrmStage, CrmTask
from nextstep.crm_client.models import (
    Contact,
    CustomFieldValue,
    Deal,
    Pipeline,
    Stage,
    StageKind,
    Task,
    User,
)

T0 = datetime(2026, 3, 6, 9, 0, tzinfo=UTC)


def _deal(status_id: int = 10, updated_at: datetime = T0, **kw: object) -> Deal:
    return Deal.model_validate(
        {
            "id": 1,
            "name": "Kitchen",
            "price": 1500.5,
            "pipeline_id": 7,
            "status_id": status_id,
            "responsible_user_id": 100,
            "created_at": T0 - timedelta(days=1),
            "updated_at": updated_at,
            "custom_fields": (CustomFieldValue(field_id=5, field_name="City", values=("Kazan",)),),
            "contacts": (Contact(id=3, name="Ivan", phone="+79990000000"),),
        }
        | kw
    )


async def _snapshot(db: Database) -> list[tuple[object, ...]]:
    async with db.session() as s:
        rows = await s.execute(select(CrmDeal.__table__).order_by(CrmDeal.id))
        return [tuple(r) for r in rows]


async def test_deal_upsert_twice_changes_nothing(db: Database) -> None:
    for _ in range(2):
        async with db.transaction() as s:
            await Repositories(s).mirror.upsert_deals([_deal()])
        first = await _snapshot(db)
    assert first == await _snapshot(db)
    assert len(first) == 1
    async with db.session() as s:
        deal = await Repositories(s).mirror.get_deal(1)
    assert deal is not None
    assert deal.field("City") == "Kazan"
    assert deal.updated_at == T0


async def test_older_copy_does_not_overwrite_newer(db: Database) -> None:
    async with db.transaction() as s:
        await Repositories(s).mirror.upsert_deals([_deal(status_id=20, updated_at=T0)])
    async with db.transaction() as s:
        stale = _deal(status_id=10, updated_at=T0 - timedelta(minutes=5))
        await Repositories(s).mirror.upsert_deals([stale])
    async with db.session() as s:
        deal = await Repositories(s).mirror.get_deal(1)
    assert deal is not None
    assert deal.status_id == 20


async def test_stage_entered_at_moves_only_with_the_stage(db: Database) -> None:
    later, latest = T0 + timedelta(hours=1), T0 + timedelta(hours=2)
    async with db.transaction() as s:
        mirror = Repositories(s).mirror
        await mirror.upsert_deals([_deal(status_id=10, updated_at=T0)])
        await mirror.upsert_deals([_deal(status_id=10, updated_at=later, name="Renamed")])
        assert await mirror.stage_entered_at(1) == T0
        await mirror.upsert_deals([_deal(status_id=11, updated_at=latest)])
        assert await mirror.stage_entered_at(1) == latest


async def test_pipelines_share_won_lost_stage_ids(db: Database) -> None:
    def pipeline(pid: int, names: tuple[str, ...]) -> Pipeline:
        stages = [Stage(id=100 + i, pipeline_id=pid, name=n) for i, n in enumerate(names)]
        stages.append(Stage(id=142, pipeline_id=pid, name="Won", kind=StageKind.WON))
        return Pipeline(id=pid, name=f"P{pid}", stages=tuple(stages))

    for _ in range(2):
        async with db.transaction() as s:
            await Repositories(s).mirror.upsert_pipelines(
                [pipeline(1, ("New", "Call")), pipeline(2, ("Lead",))]
            )
    async with db.transaction() as s:  # the CRM dropped stage "Call"
        await Repositories(s).mirror.upsert_pipelines([pipeline(1, ("New",))])
    async with db.session() as s:
        stages = await Repositories(s).mirror.stages(1)
        total = (await s.execute(select(func.count()).select_from(CrmStage))).scalar_one()
    assert [(st.id, st.kind) for st in stages] == [(100, "working"), (142, "won")]
    assert total == 4


async def test_tasks_and_users_upsert_idempotently(db: Database) -> None:
    task = Task(
        id=9,
        text="Call back",
        entity_id=1,
        responsible_user_id=100,
        complete_till=T0,
        updated_at=T0,
    )
    for _ in range(2):
        async with db.transaction() as s:
            repos = Repositories(s)
            await repos.mirror.upsert_tasks([task])
            await repos.mirror.upsert_users([User(id=100, name="Anna")])
    async with db.transaction() as s:
        done = task.model_copy(update={"is_completed": True, "updated_at": T0 + timedelta(1)})
        await Repositories(s).mirror.upsert_tasks([done])
    async with db.session() as s:
        assert await Repositories(s).mirror.open_tasks(1) == []
        count = (await s.execute(select(func.count()).select_from(CrmTask))).scalar_one()
    assert count == 1


async def test_sync_state_keeps_the_last_value(db: Database) -> None:
    for cursor in (1, 2):
        async with db.transaction() as s:
            await Repositories(s).sync_state.set("events", {"cursor": cursor}, now=T0)
    async with db.session() as s:
        assert await Repositories(s).sync_state.get("events") == {"cursor": 2}
        assert await Repositories(s).sync_state.get("missing") is None
