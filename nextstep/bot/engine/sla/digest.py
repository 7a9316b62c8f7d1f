"""A head's figures: the morning digest (yesterday and now) and `/team` (now), from mirror rows.

Pure figures only; `nextstep.bot.charts` draws the PNG and the runtime renders the text. Each
problem deal is listed with what is at stake, so the card can offer buttons on it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from nextstep.bot.engine.sla.config import SlaConfig
from nextstep.bot.engine.sla.facts import DealRow, OutcomeRow, StaffDirectory, TaskRow
from nextstep.bot.engine.sla.rules import take_clock


@dataclass(frozen=True, slots=True)
class ProblemDeal:
    deal_id: int
    name: str
    manager_id: int
    problem: str  # overdue_task, no_task, stuck, taken_late
    price: float
    since: datetime


@dataclass(frozen=True, slots=True)
class ManagerFigures:
    crm_user_id: int
    open_deals: int = 0
    overdue_tasks: int = 0
    no_task_deals: int = 0
    stuck_deals: int = 0
    taken_late: int = 0
    outcomes: tuple[tuple[str, int], ...] = ()  # in the window, by kind


@dataclass(frozen=True, slots=True)
class TeamFigures:
    head_id: int
    window_start: datetime
    window_end: datetime
    managers: tuple[ManagerFigures, ...]
    overdue_tasks: int
    overdue_budget: float
    no_task_deals: int
    no_task_budget: float
    taken_late: int
    stuck_deals: int
    stuck_budget: float
    problems: tuple[ProblemDeal, ...]  # the top ones by money at stake


@dataclass
class _Tally:
    open_deals: int = 0
    overdue: int = 0
    no_task: int = 0
    stuck: int = 0
    late: int = 0


def yesterday(now: datetime, tz: str) -> tuple[datetime, datetime]:
    """The head's yesterday, local midnight to midnight, in UTC."""
    zone = ZoneInfo(tz)
    today = now.astimezone(zone).date()
    start = datetime.combine(today - timedelta(days=1), time(0), tzinfo=zone)
    end = datetime.combine(today, time(0), tzinfo=zone)
    return start.astimezone(now.tzinfo), end.astimezone(now.tzinfo)


def team_figures(
    head_id: int,
    deals: Sequence[DealRow],
    tasks_by_deal: Mapping[int, Sequence[TaskRow]],
    staff: StaffDirectory,
    cfg: SlaConfig,
    outcomes: Sequence[OutcomeRow],
    now: datetime,
    window: tuple[datetime, datetime],
    *,
    top: int = 10,
) -> TeamFigures:
    """The team's figures now (open problems) and over `window` (late takes, outcomes)."""
    team = {m.crm_user_id for m in staff.team(head_id)}
    start, end = window
    tally = {who: _Tally() for who in team}
    problems: list[ProblemDeal] = []
    totals = Counter[str]()
    money: dict[str, float] = {"overdue": 0.0, "no_task": 0.0, "stuck": 0.0}
    for deal in deals:
        owner = deal.responsible_user_id
        plan = cfg.pipelines.get(deal.pipeline_id)
        if owner not in team or plan is None or deal.is_deleted:
            continue
        mine = tally[owner]
        if deal.taken_at is not None and start <= deal.taken_at < end:
            clock = take_clock(deal, deal.assigned_at or deal.created_at, cfg, deal.taken_at)
            if deal.taken_at > clock.since + clock.deadline:
                mine.late += 1
                totals["taken_late"] += 1
        if deal.status_id in plan.closed_status_ids:
            continue
        mine.open_deals += 1
        tasks = tasks_by_deal.get(deal.id, ())
        late_tasks = [t for t in tasks if t.due < now]
        if late_tasks:
            mine.overdue += len(late_tasks)
            totals["overdue"] += len(late_tasks)
            money["overdue"] += deal.price
            oldest = min(t.due for t in late_tasks)
            problems.append(
                ProblemDeal(deal.id, deal.name, owner, "overdue_task", deal.price, oldest)
            )
        new = deal.status_id in plan.new_status_ids and not deal.taken
        if not tasks and not new:
            mine.no_task += 1
            totals["no_task"] += 1
            money["no_task"] += deal.price
            problems.append(
                ProblemDeal(
                    deal.id, deal.name, owner, "no_task", deal.price, deal.last_activity_at
                )
            )
        if deal.status_id in plan.working_status_ids:
            limit = cfg.stuck_limits.get(deal.status_id, cfg.stuck_default)
            if deal.stage_entered_at + limit <= now:
                mine.stuck += 1
                totals["stuck"] += 1
                money["stuck"] += deal.price
                problems.append(
                    ProblemDeal(
                        deal.id, deal.name, owner, "stuck", deal.price, deal.stage_entered_at
                    )
                )
    by_kind: dict[int, Counter[str]] = {who: Counter() for who in team}
    for outcome in outcomes:
        if outcome.manager_id in team and start <= outcome.at < end:
            by_kind[outcome.manager_id][outcome.kind] += 1
    managers = tuple(
        ManagerFigures(
            who,
            t.open_deals,
            t.overdue,
            t.no_task,
            t.stuck,
            t.late,
            tuple(sorted(by_kind[who].items())),
        )
        for who, t in sorted(tally.items())
    )
    problems.sort(key=lambda p: (-p.price, p.since, p.deal_id))
    return TeamFigures(
        head_id=head_id,
        window_start=start,
        window_end=end,
        managers=managers,
        overdue_tasks=totals["overdue"],
        overdue_budget=money["overdue"],
        no_task_deals=totals["no_task"],
        no_task_budget=money["no_task"],
        taken_late=totals["taken_late"],
        stuck_deals=totals["stuck"],
        stuck_budget=money["stuck"],
        problems=tuple(problems[:top]),
    )


def morning_digest(
    head_id: int,
    deals: Sequence[DealRow],
    tasks_by_deal: Mapping[int, Sequence[TaskRow]],
    staff: StaffDirectory,
    cfg: SlaConfig,
    outcomes: Sequence[OutcomeRow],
    now: datetime,
) -> TeamFigures:
    """The digest a head gets in the morning: problems now, yesterday's takes and outcomes."""
    head = staff.get(head_id)
    window = yesterday(now, head.timezone if head else "UTC")
    top = cfg.sla.digest.top
    return team_figures(head_id, deals, tasks_by_deal, staff, cfg, outcomes, now, window, top=top)
