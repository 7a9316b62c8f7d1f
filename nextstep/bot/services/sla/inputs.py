"""What a sweep reads, built from the database only (never the CRM): mirrored deals and open
tasks joined with the bot's flow state, staff with their schedules, the live escalations and
how many pings each person had in the last hour."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from nextstep.bot.engine.sla.calendar import ScheduleCalendar
from nextstep.bot.engine.sla.config import SlaConfig
from nextstep.bot.engine.sla.facts import (
    DealRow,
    OutcomeRow,
    StaffDirectory,
    StaffMember,
    TaskRow,
)
from nextstep.bot.engine.sla.record import EscalationState, Rule
from nextstep.bot.playbook.resolved import ResolvedPlaybook
from nextstep.bot.services.staff import StaffInfo
from nextstep.bot.storage import Repositories
from nextstep.bot.storage.models import (
    Card,
    CrmDeal,
    CrmTask,
    CrmUser,
    DealFlow,
    Escalation,
    Schedule,
    Staff,
    SyncState,
)
from nextstep.bot.storage.reopened import load_open_reopened

Key = tuple[Rule, str]
CARD_KIND = "sla"  # every escalation card (and summary) has this `cards.kind`
ASSIGNED_PREFIX = "sla:assigned:"  # sync_state: when a deal landed on its current manager


@dataclass
class Directory:
    """Staff as the sweep sees them, plus what the runtime needs to reach them."""

    staff: StaffDirectory
    people: dict[int, StaffInfo]  # paired or not, by CRM user id
    names: dict[int, str]  # every CRM user we know of, by id

    def name(self, crm_user_id: Any) -> str:
        if not isinstance(crm_user_id, int):
            return "—"
        return self.names.get(crm_user_id) or f"#{crm_user_id}"


@dataclass
class SweepInputs:
    deals: list[DealRow]
    tasks_by_deal: dict[int, list[TaskRow]]
    directory: Directory
    states: dict[Key, EscalationState]
    pings: dict[int, int] = field(default_factory=dict)


def sla_config(rp: ResolvedPlaybook) -> SlaConfig:
    """Built once per resolved playbook (the sweep's hot loop reads sets and dicts)."""
    cached = _CONFIGS.get(id(rp))
    if cached is None or cached[0] is not rp:
        cached = _CONFIGS[id(rp)] = (rp, SlaConfig.of(rp))
    return cached[1]


_CONFIGS: dict[int, tuple[ResolvedPlaybook, SlaConfig]] = {}


async def load_directory(session: AsyncSession, rp: ResolvedPlaybook) -> Directory:
    schedules = rp.playbook.schedules
    specs: Mapping[int, dict[str, Any]] = {
        r.staff_id: r.spec for r in (await session.scalars(select(Schedule))).all()
    }
    users = (await session.scalars(select(CrmUser))).all()
    names = {u.id: u.name for u in users}
    active = {u.id: u.is_active for u in users}
    members: list[StaffMember] = []
    people: dict[int, StaffInfo] = {}
    for row in (await session.scalars(select(Staff).order_by(Staff.id))).all():
        spec = specs.get(row.id)
        schedule = schedules.schedule_for(spec) if spec is not None else None
        tz = row.timezone or (schedule.timezone if schedule else schedules.default.timezone)
        members.append(
            StaffMember(
                crm_user_id=row.crm_user_id,
                role=row.role,
                head_id=row.head_crm_user_id,
                calendar=ScheduleCalendar(schedule) if schedule is not None else None,
                timezone=tz,
                reachable=row.is_reachable,
                paired=row.telegram_id is not None,
                name=row.name,
                active=active.get(row.crm_user_id, True),
            )
        )
        people[row.crm_user_id] = StaffInfo.of(row)
        if row.name:
            names[row.crm_user_id] = row.name
    default = ScheduleCalendar(schedules.schedule_for(None))
    return Directory(StaffDirectory.of(members, default), people, names)


async def load_assigned(session: AsyncSession) -> dict[int, datetime]:
    stmt = select(SyncState.key, SyncState.value).where(SyncState.key.startswith(ASSIGNED_PREFIX))
    out: dict[int, datetime] = {}
    for key, value in (await session.execute(stmt)).all():  # one marker per assigned deal
        out[int(key.removeprefix(ASSIGNED_PREFIX))] = datetime.fromisoformat(str(value))
    return out


async def set_assigned(repos: Repositories, deal_id: int, at: datetime) -> None:
    """The deal landed on a new manager now: their take clock starts here."""
    await repos.sync_state.set(f"{ASSIGNED_PREFIX}{deal_id}", at.isoformat(), at)


async def load_open_deal_counts(session: AsyncSession) -> dict[int, int]:
    """Open deals per responsible user: the load that reassign options and redistribution
    go by (least loaded first)."""
    rows = await session.execute(
        select(CrmDeal.responsible_user_id, func.count(CrmDeal.id))
        .where(CrmDeal.closed_at.is_(None), CrmDeal.is_deleted.is_(False))
        .group_by(CrmDeal.responsible_user_id)
    )
    return dict(rows.all())


async def load_outcomes(session: AsyncSession) -> list[OutcomeRow]:
    """Each deal's last call outcome and who took it: the digest's and /team's "outcomes"."""
    rows = (
        await session.scalars(select(DealFlow).where(DealFlow.last_outcome.is_not(None)))
    ).all()
    return [
        OutcomeRow(r.deal_id, r.taken_by or 0, r.last_outcome or "", r.updated_at) for r in rows
    ]


async def load_tasks(
    session: AsyncSession, deal_ids: set[int] | None = None
) -> dict[int, list[TaskRow]]:
    stmt = select(
        CrmTask.id,
        CrmTask.entity_id,
        CrmTask.responsible_user_id,
        CrmTask.complete_till,
        CrmTask.text,
        CrmTask.task_type_id,
    ).where(
        CrmTask.is_completed.is_(False),
        CrmTask.entity_type == "leads",
        CrmTask.entity_id.is_not(None),
    )
    tasks: dict[int, list[TaskRow]] = {}
    for tid, did, who, due, text, kind in (await session.execute(stmt)).all():
        if did is None or (deal_ids is not None and did not in deal_ids):
            continue
        tasks.setdefault(did, []).append(TaskRow(tid, did, who, due, text or "", kind))
    return tasks


async def load_deals(session: AsyncSession, rp: ResolvedPlaybook) -> list[DealRow]:
    pipelines = list(rp.pipelines)
    activity = dict(
        (
            await session.execute(
                select(CrmTask.entity_id, func.max(CrmTask.updated_at))
                .where(CrmTask.entity_type == "leads")
                .group_by(CrmTask.entity_id)
            )
        ).all()
    )
    assigned = await load_assigned(session)
    reopened = await load_open_reopened(session)
    # Plain columns, not ORM entities: no identity map, no per-row objects, and the deals'
    # custom fields (JSON) are not parsed. At 100k deals this is seconds faster.
    stmt = (
        select(
            CrmDeal.id,
            CrmDeal.pipeline_id,
            CrmDeal.status_id,
            CrmDeal.responsible_user_id,
            CrmDeal.created_at,
            CrmDeal.stage_entered_at,
            CrmDeal.updated_at,
            CrmDeal.price,
            CrmDeal.name,
            CrmDeal.source,
            DealFlow.deal_id,
            DealFlow.taken_at,
            DealFlow.updated_at,
        )
        .outerjoin(DealFlow, DealFlow.deal_id == CrmDeal.id)
        .where(CrmDeal.pipeline_id.in_(pipelines), CrmDeal.is_deleted.is_(False))
        .order_by(CrmDeal.id)
    )
    deals: list[DealRow] = []
    for (
        did,
        pipeline_id,
        status_id,
        owner,
        created_at,
        entered_at,
        last,
        price,
        name,
        source,
        flow_id,
        taken_at,
        flow_updated_at,
    ) in (await session.execute(stmt)).all():
        touched = activity.get(did)
        if touched is not None and touched > last:
            last = touched
        if flow_id is not None and flow_updated_at > last:
            last = flow_updated_at
        moved = reopened.get(did)
        deals.append(
            DealRow(
                id=did,
                pipeline_id=pipeline_id,
                status_id=status_id,
                responsible_user_id=owner,
                created_at=created_at,
                stage_entered_at=entered_at,
                last_activity_at=last,
                price=price,
                name=name,
                source=source,
                assigned_at=assigned.get(did),
                taken=flow_id is not None and taken_at is not None,
                taken_at=taken_at if flow_id is not None else None,
                reopened_from=moved.from_status if moved is not None else None,
                reopened_by=moved.by if moved is not None else None,
            )
        )
    return deals


async def load_escalations(session: AsyncSession) -> dict[Key, EscalationState]:
    """The live escalation records, as plain columns (no ORM entity per record: after a first
    sweep over a big account there are tens of thousands, read again every sweep)."""
    stmt = (
        select(
            Escalation.rule,
            Escalation.subject_key,
            Escalation.level,
            Escalation.status,
            Escalation.opened_at,
            Escalation.snoozed_until,
            Escalation.payload,
        )
        .where(Escalation.status != "closed")
        .order_by(Escalation.id)
    )
    states: dict[Key, EscalationState] = {}
    for rule, subject_key, level, status, opened_at, snoozed_until, payload in (
        await session.execute(stmt)
    ).all():
        state = EscalationState.from_record(
            rule, subject_key, level, status, opened_at, snoozed_until, payload
        )
        states[(state.rule, state.subject_key)] = state
    return states


def state_of(row: Escalation) -> EscalationState:
    return EscalationState.from_record(
        row.rule,
        row.subject_key,
        row.level,
        row.status,
        row.opened_at,
        row.snoozed_until,
        row.payload,
    )


async def load_pings(session: AsyncSession, directory: Directory, now: datetime) -> dict[int, int]:
    """Escalation cards each person got in the last hour (the noise budget's cap counts them)."""
    stmt = (
        select(Card.owner_staff_id, func.count(Card.id))
        .where(Card.kind == CARD_KIND, Card.created_at >= now - timedelta(hours=1))
        .group_by(Card.owner_staff_id)
    )
    by_staff = {sid: crm for crm, p in directory.people.items() if (sid := p.id) is not None}
    out: dict[int, int] = {}
    for staff_id, count in (await session.execute(stmt)).all():
        crm = by_staff.get(staff_id) if staff_id is not None else None
        if crm is not None:
            out[crm] = int(count)
    return out


async def load_inputs(session: AsyncSession, rp: ResolvedPlaybook, now: datetime) -> SweepInputs:
    directory = await load_directory(session, rp)
    deals = await load_deals(session, rp)
    tasks = await load_tasks(session)
    states = await load_escalations(session)
    pings = await load_pings(session, directory, now)
    return SweepInputs(deals, tasks, directory, states, pings)
