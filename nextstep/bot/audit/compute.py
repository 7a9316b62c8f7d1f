"""The audit as a pure function: plain CRM data in, figures per manager out.

No I/O here, so every figure is checked with hand-made data, and the same function serves the
`nextstep audit` command, a periodic audit sweep or a dry-run over a mirror. The figures are the
ones integrators report first on a new account (story 001): open deals with no next step and the
money they hold, overdue tasks, deals stuck on a stage, and deals pulled back from a closed stage.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from nextstep.crm_client.models import (
    LOST_STATUS_ID,
    WON_STATUS_ID,
    CrmEvent,
    CrmEventType,
    Deal,
    Pipeline,
    StageKind,
    Task,
    User,
)

CLOSED_STATUS_IDS = frozenset({WON_STATUS_ID, LOST_STATUS_ID})
DEFAULT_STUCK_DAYS = 30


@dataclass(frozen=True)
class AuditFigures:
    """One row of the report (a manager, or the total). Budgets are in the account currency.

    `overdue_budget` counts each deal once however many overdue tasks it has.
    """

    open_deals: int = 0
    open_budget: float = 0.0
    no_task_deals: int = 0
    no_task_budget: float = 0.0
    overdue_tasks: int = 0
    overdue_budget: float = 0.0
    stuck_deals: int = 0
    stuck_budget: float = 0.0
    reopened_deals: int = 0
    reopened_budget: float = 0.0


@dataclass(frozen=True)
class ManagerAudit:
    user_id: int
    name: str
    figures: AuditFigures


@dataclass(frozen=True)
class DealRef:
    """A deal as the report lists it: enough to find it in the CRM and weigh it."""

    id: int
    name: str
    price: float
    responsible_user_id: int
    pipeline_id: int
    status_id: int
    stage_name: str


@dataclass(frozen=True)
class OverdueTask:
    task_id: int
    text: str
    responsible_user_id: int
    complete_till: datetime
    days_overdue: int
    deal: DealRef | None  # None for a task on a contact/company, or on a deal not read


@dataclass(frozen=True)
class StuckDeal:
    deal: DealRef
    stage_entered_at: datetime
    days_on_stage: int
    from_event: bool  # False: no status change seen, the deal's creation time was used


@dataclass(frozen=True)
class ReopenedDeal:
    deal: DealRef
    from_status_id: int
    to_status_id: int
    at: datetime | None


@dataclass(frozen=True)
class AuditReport:
    now: datetime
    stuck_days: int
    managers: tuple[ManagerAudit, ...]
    total: AuditFigures
    no_task: tuple[DealRef, ...] = ()  # biggest budget first
    overdue: tuple[OverdueTask, ...] = ()  # most overdue first
    stuck: tuple[StuckDeal, ...] = ()  # longest on stage first
    reopened: tuple[ReopenedDeal, ...] = ()  # most recent first

    def manager(self, user_id: int) -> AuditFigures:
        """The row of one manager (all zeros for a manager with nothing to report)."""
        for row in self.managers:
            if row.user_id == user_id:
                return row.figures
        return AuditFigures()


@dataclass
class _Row:
    """Mutable accumulator for one manager's figures."""

    open_deals: int = 0
    open_budget: float = 0.0
    no_task_deals: int = 0
    no_task_budget: float = 0.0
    overdue_tasks: int = 0
    overdue_deal_ids: set[int] = field(default_factory=set)
    overdue_budget: float = 0.0
    stuck_deals: int = 0
    stuck_budget: float = 0.0
    reopened_deals: int = 0
    reopened_budget: float = 0.0

    def freeze(self) -> AuditFigures:
        return AuditFigures(
            open_deals=self.open_deals,
            open_budget=self.open_budget,
            no_task_deals=self.no_task_deals,
            no_task_budget=self.no_task_budget,
            overdue_tasks=self.overdue_tasks,
            overdue_budget=self.overdue_budget,
            stuck_deals=self.stuck_deals,
            stuck_budget=self.stuck_budget,
            reopened_deals=self.reopened_deals,
            reopened_budget=self.reopened_budget,
        )

    def is_empty(self) -> bool:
        return self.freeze() == AuditFigures()


def is_status_change(event: CrmEvent) -> bool:
    return event.type is CrmEventType.DEAL_STATUS_CHANGED and event.entity in ("lead", "leads")


def latest_status_change(events: Iterable[CrmEvent]) -> dict[int, CrmEvent]:
    """The newest status change per deal id (events without a time are ignored)."""
    latest: dict[int, CrmEvent] = {}
    for event in events:
        if not is_status_change(event) or event.occurred_at is None:
            continue
        seen = latest.get(event.entity_id)
        if seen is None or _event_order(event) > _event_order(seen):
            latest[event.entity_id] = event
    return latest


def _event_order(event: CrmEvent) -> tuple[datetime, str]:
    assert event.occurred_at is not None
    return (event.occurred_at, event.event_id or "")


def stage_entered_at(deal: Deal, latest: dict[int, CrmEvent]) -> tuple[datetime, bool]:
    """When the deal entered its current stage: its latest status change, else its creation.

    Returns (time, whether it came from an event).
    """
    event = latest.get(deal.id)
    if event is not None and event.occurred_at is not None:
        return event.occurred_at, True
    return deal.created_at, False


def is_reopening(event: CrmEvent, closed: frozenset[int] = CLOSED_STATUS_IDS) -> bool:
    """A status change from won/lost back to a working stage (story 001 saw it at 9 of 10)."""
    return (
        is_status_change(event)
        and event.old_status_id in closed
        and event.status_id is not None
        and event.status_id not in closed
    )


def compute_audit(
    users: Sequence[User],
    pipelines: Sequence[Pipeline],
    deals: Sequence[Deal],
    tasks: Sequence[Task],
    status_events: Sequence[CrmEvent],
    now: datetime,
    stuck_days: int = DEFAULT_STUCK_DAYS,
) -> AuditReport:
    """Figures per manager and in total.

    - `deals`: at least every open deal (closed ones are allowed and only count as "reopened");
    - `tasks`: the open tasks (completed ones are ignored);
    - `status_events`: `lead_status_changed` events (others are ignored).

    Deals are attributed to their responsible user, overdue tasks to theirs. A deal is open
    unless its stage is won/lost or it is deleted.
    """
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    stuck_limit = timedelta(days=stuck_days)
    stage_names: dict[tuple[int, int], str] = {}
    closed_ids = set(CLOSED_STATUS_IDS)
    for pipeline in pipelines:
        for stage in pipeline.stages:
            stage_names[(pipeline.id, stage.id)] = stage.name
            if stage.kind in (StageKind.WON, StageKind.LOST):
                closed_ids.add(stage.id)
    closed = frozenset(closed_ids)

    def ref(deal: Deal) -> DealRef:
        return DealRef(
            id=deal.id,
            name=deal.name,
            price=deal.price,
            responsible_user_id=deal.responsible_user_id,
            pipeline_id=deal.pipeline_id,
            status_id=deal.status_id,
            stage_name=stage_names.get((deal.pipeline_id, deal.status_id), f"#{deal.status_id}"),
        )

    known = {d.id: d for d in deals if not d.is_deleted}
    open_deals = [d for d in known.values() if d.status_id not in closed]
    open_tasks = [t for t in tasks if not t.is_completed]
    deals_with_task = {t.entity_id for t in open_tasks if t.entity_type in (None, "leads", "lead")}
    latest = latest_status_change(status_events)

    rows: dict[int, _Row] = defaultdict(_Row)
    total = _Row()
    no_task: list[DealRef] = []
    stuck: list[StuckDeal] = []
    for deal in open_deals:
        row = rows[deal.responsible_user_id]
        for acc in (row, total):
            acc.open_deals += 1
            acc.open_budget += deal.price
        if deal.id not in deals_with_task:
            no_task.append(ref(deal))
            for acc in (row, total):
                acc.no_task_deals += 1
                acc.no_task_budget += deal.price
        entered, from_event = stage_entered_at(deal, latest)
        if now - entered > stuck_limit:
            stuck.append(StuckDeal(ref(deal), entered, (now - entered).days, from_event))
            for acc in (row, total):
                acc.stuck_deals += 1
                acc.stuck_budget += deal.price

    overdue: list[OverdueTask] = []
    open_by_id = {d.id: d for d in open_deals}
    for task in open_tasks:
        if not task.complete_till < now:
            continue
        task_deal = (
            open_by_id.get(task.entity_id)
            if task.entity_id is not None and task.entity_type in (None, "leads", "lead")
            else None
        )
        overdue.append(
            OverdueTask(
                task_id=task.id,
                text=task.text,
                responsible_user_id=task.responsible_user_id,
                complete_till=task.complete_till,
                days_overdue=(now - task.complete_till).days,
                deal=ref(task_deal) if task_deal is not None else None,
            )
        )
        for acc in (rows[task.responsible_user_id], total):
            acc.overdue_tasks += 1
            if task_deal is not None and task_deal.id not in acc.overdue_deal_ids:
                acc.overdue_deal_ids.add(task_deal.id)
                acc.overdue_budget += task_deal.price

    reopened: dict[int, ReopenedDeal] = {}
    for event in status_events:
        if not is_reopening(event, closed):
            continue
        back = known.get(event.entity_id)
        if back is None:
            continue  # deleted since, or never read: nothing at stake any more
        seen = reopened.get(back.id)
        if seen is not None and (seen.at or now) >= (event.occurred_at or now):
            continue
        assert event.old_status_id is not None
        assert event.status_id is not None
        reopened[back.id] = ReopenedDeal(
            ref(back), event.old_status_id, event.status_id, event.occurred_at
        )
    for item in reopened.values():
        for acc in (rows[item.deal.responsible_user_id], total):
            acc.reopened_deals += 1
            acc.reopened_budget += item.deal.price

    names = {u.id: u.name for u in users}
    managers = [
        ManagerAudit(user_id, names.get(user_id, f"user #{user_id}"), row.freeze())
        for user_id, row in rows.items()
        if not row.is_empty()
    ]
    managers.sort(key=lambda m: (-m.figures.open_deals, m.name, m.user_id))
    epoch = datetime.min.replace(tzinfo=now.tzinfo)
    return AuditReport(
        now=now,
        stuck_days=stuck_days,
        managers=tuple(managers),
        total=total.freeze(),
        no_task=tuple(sorted(no_task, key=lambda d: (-d.price, d.id))),
        overdue=tuple(sorted(overdue, key=lambda t: (t.complete_till, t.task_id))),
        stuck=tuple(sorted(stuck, key=lambda s: (s.stage_entered_at, s.deal.id))),
        reopened=tuple(
            sorted(reopened.values(), key=lambda r: (r.at or epoch, r.deal.id), reverse=True)
        ),
    )
