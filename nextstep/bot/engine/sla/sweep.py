"""One SLA sweep: every mirrored deal looked at once, every open escalation stepped once.

Linear in deals and tasks: one pass gathers loads, overdue piles and the conditions that hold
(a `Finding` is built only when a condition is ripe or already escalated, so a quiet deal costs
a few comparisons); a second pass steps the ladder of each finding and closes the escalations
whose condition cleared. The result lists the actions, the deadlines the runtime keeps in its
`timers` table (those within `horizon`) and the earliest deadline of all.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from nextstep.bot.engine.sla.actions import (
    AutoReassign,
    Button,
    Close,
    Deadline,
    EscalationAction,
    MoveTaskToWorkingDay,
    RevertStage,
    SweepResult,
)
from nextstep.bot.engine.sla.config import PipelineSla, SlaConfig
from nextstep.bot.engine.sla.distribution import candidates, on_shift
from nextstep.bot.engine.sla.escalation import ButtonsOf, Finding, LadderContext, step
from nextstep.bot.engine.sla.facts import DealRow, ShiftCalendar, StaffDirectory, TaskRow
from nextstep.bot.engine.sla.noise import apply_budget
from nextstep.bot.engine.sla.record import EscalationState, Rule, Status
from nextstep.bot.engine.sla.rules import (
    HEAD_ONLY,
    close_reason,
    closed_stage_buttons,
    closed_stage_facts,
    deal_key,
    handover_buttons,
    handover_facts,
    manager_key,
    no_task_buttons,
    no_task_facts,
    pile_buttons,
    pile_facts,
    remind_buttons,
    stuck_facts,
    subject_id,
    take_clock,
    take_facts,
    take_head_buttons,
    take_manager_buttons,
    task_key,
)
from nextstep.bot.playbook.resolved import ResolvedPlaybook
from nextstep.bot.playbook.sections.sla import Audience, OnDeadline

Key = tuple[Rule, str]
DAY_OFF_HORIZON = 14  # days ahead in which tasks due on a day off are moved or handed over
CANDIDATES_SHOWN = 5  # "Reassign to…" buttons on a head's card


@dataclass
class _OffDays:
    """A person's days off in the coming days, as UTC intervals (bisect per task)."""

    starts: list[datetime]
    ends: list[datetime]
    runs: list[int]  # consecutive days off from that day on (within the horizon)

    @classmethod
    def build(cls, calendar: ShiftCalendar, tz: str, now: datetime) -> _OffDays:
        zone = ZoneInfo(tz)
        today = now.astimezone(zone).date()
        days = [today + timedelta(days=i) for i in range(DAY_OFF_HORIZON + 1)]
        bounds = [
            datetime(d.year, d.month, d.day, tzinfo=zone).astimezone(now.tzinfo) for d in days
        ]
        bounds.append(bounds[-1] + timedelta(days=1))
        off = [calendar.is_day_off(bounds[i] + timedelta(hours=12)) for i in range(len(days))]
        runs = [0] * len(days)
        for i in range(len(days) - 1, -1, -1):
            runs[i] = (runs[i + 1] if i + 1 < len(days) else 0) + 1 if off[i] else 0
        picked = [i for i in range(len(days)) if off[i]]
        return cls(
            [bounds[i] for i in picked], [bounds[i + 1] for i in picked], [runs[i] for i in picked]
        )

    def run_at(self, at: datetime) -> int:
        """Days off in a row from `at`'s day (0 when `at` is on a working day)."""
        i = bisect_right(self.starts, at) - 1
        return self.runs[i] if i >= 0 and at < self.ends[i] else 0


@dataclass
class _Sweep:
    cfg: SlaConfig
    staff: StaffDirectory
    states: Mapping[Key, EscalationState]
    now: datetime
    horizon_end: datetime
    findings: dict[Key, Finding] = field(default_factory=dict)
    actions: list[EscalationAction] = field(default_factory=list)
    timers: list[Deadline] = field(default_factory=list)
    next_at: datetime | None = None
    loads: dict[int, int] = field(default_factory=dict)
    overdue: dict[int, list[TaskRow]] = field(default_factory=dict)
    overdue_budget: dict[int, float] = field(default_factory=dict)
    tracked: dict[int, DealRow] = field(default_factory=dict)  # deals with live escalations
    _on_shift: dict[int, bool] = field(default_factory=dict)
    off_days_by_person: dict[int, _OffDays | None] = field(default_factory=dict)
    buttons_of: dict[Rule, ButtonsOf] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # One function per rule for the whole sweep (see `Finding`): the row is the finding's.
        self.buttons_of.update(
            {
                Rule.TAKE: self._take_buttons,
                Rule.NO_TASK: self._no_task_buttons,
                Rule.STUCK: _stuck_buttons,
                Rule.CLOSED_STAGE: self._closed_stage_buttons,
                Rule.HANDOVER: self._handover_buttons,
                Rule.OVERDUE_PILE: _pile_buttons,
            }
        )

    def _take_buttons(self, finding: Finding, to: Audience) -> tuple[Button, ...]:
        deal = _deal_of(finding)
        if to is Audience.MANAGER:
            return take_manager_buttons(deal)
        # "Reassign to…" reads every manager's load: only known once the scan is done.
        return take_head_buttons(deal, self.candidates(deal.responsible_user_id))

    def _no_task_buttons(self, finding: Finding, to: Audience) -> tuple[Button, ...]:
        return no_task_buttons(_deal_of(finding), self.cfg, to)

    def _closed_stage_buttons(self, finding: Finding, to: Audience) -> tuple[Button, ...]:
        return closed_stage_buttons(_deal_of(finding), self.cfg.guards.closed_stage.revert)

    def _handover_buttons(self, finding: Finding, to: Audience) -> tuple[Button, ...]:
        task = finding.subject
        assert isinstance(task, TaskRow)
        return handover_buttons(task, self.candidates(finding.owner))

    def due(self, rule: Rule, key: str, at: datetime) -> None:
        if self.next_at is None or at < self.next_at:
            self.next_at = at
        if at <= self.horizon_end:
            self.timers.append(Deadline(rule, key, at))

    def found(self, finding: Finding) -> None:
        self.findings[(finding.rule, finding.subject_key)] = finding

    def is_on_shift(self, who: int) -> bool:
        known = self._on_shift.get(who)
        if known is None:
            member = self.staff.get(who)
            known = member is None or on_shift(member, self.now, self.staff.default_calendar)
            self._on_shift[who] = known
        return known

    def candidates(self, owner: int) -> tuple[int, ...]:
        return candidates(
            owner,
            self.staff,
            self.loads,
            self.now,
            limit=CANDIDATES_SHOWN,
            on_shift_now={
                m.crm_user_id: self.is_on_shift(m.crm_user_id)
                for m in self.staff.team(self.staff.head_of(owner))
            },
        )

    def off_days(self, who: int) -> _OffDays | None:
        if who not in self.off_days_by_person:
            calendar = self.staff.calendar(who)
            member = self.staff.get(who)
            self.off_days_by_person[who] = (
                _OffDays.build(calendar, member.timezone, self.now)
                if calendar is not None and member is not None
                else None
            )
        return self.off_days_by_person[who]


def sweep(
    deals: Sequence[DealRow],
    tasks_by_deal: Mapping[int, Sequence[TaskRow]],
    staff: StaffDirectory,
    open_escalations: Mapping[Key, EscalationState],
    playbook: ResolvedPlaybook | SlaConfig,
    now: datetime,
    *,
    pings_in_last_hour: Mapping[int, int] | None = None,
    horizon: timedelta = timedelta(hours=1),
) -> SweepResult:
    """What every SLA rule says now, for all deals at once (pure; see the module doc)."""
    cfg = playbook if isinstance(playbook, SlaConfig) else SlaConfig.of(playbook)
    run = _Sweep(cfg, staff, open_escalations, now, now + horizon)
    tracked_ids = {
        sid
        for (rule, key), state in open_escalations.items()
        if state.status is not Status.CLOSED
        and key.startswith("deal:")
        and (sid := subject_id(key)) is not None
    }
    _scan(run, deals, tasks_by_deal, tracked_ids)
    _piles(run)
    _step_all(run)
    actions = apply_budget(run.actions, cfg.sla.noise, staff, pings_in_last_hour or {}, now)
    # The findings point back at the sweep (their buttons functions): let go of them here, or
    # the whole sweep would wait for the cyclic garbage collector.
    run.findings.clear()
    run.buttons_of.clear()
    return SweepResult(actions, run.timers, run.next_at)


def _scan(
    run: _Sweep,
    deals: Sequence[DealRow],
    tasks_by_deal: Mapping[int, Sequence[TaskRow]],
    tracked_ids: set[int],
) -> None:
    cfg, now, states = run.cfg, run.now, run.states
    sla = cfg.sla
    pipelines = cfg.pipelines
    take_on, no_task_on, stuck_on = sla.take.enabled, sla.no_task.enabled, sla.stuck.enabled
    guard_on = cfg.guards.closed_stage.enabled
    grace = sla.no_task.grace
    stuck_limits, stuck_default = cfg.stuck_limits, cfg.stuck_default
    loads, overdue, overdue_budget = run.loads, run.overdue, run.overdue_budget
    day_off_end = now + timedelta(days=DAY_OFF_HORIZON)
    # A quiet deal's deadlines, kept inline (most deals have one or two): the earliest, and
    # the timers within the horizon.
    timers, horizon_end = run.timers, run.horizon_end
    soonest: datetime | None = None
    off_days = run.off_days_by_person
    for deal in deals:
        did = deal.id
        if did in tracked_ids:
            run.tracked[did] = deal
        if deal.is_deleted:
            continue
        plan = pipelines.get(deal.pipeline_id)
        if plan is None:
            continue
        status = deal.status_id
        if status in plan.closed_status_ids:
            continue
        owner = deal.responsible_user_id
        loads[owner] = loads.get(owner, 0) + 1
        tasks = tasks_by_deal.get(did)
        if guard_on and deal.reopened_from is not None:
            _closed_stage(run, deal, plan)
        if status in plan.new_status_ids and not deal.taken:
            if take_on:
                _take(run, deal, did in tracked_ids)
        else:
            if no_task_on and not tasks:
                ripe = deal.last_activity_at + grace
                if now >= ripe or (did in tracked_ids and (Rule.NO_TASK, deal_key(did)) in states):
                    _no_task(run, deal, plan, ripe)
                else:
                    if soonest is None or ripe < soonest:
                        soonest = ripe
                    if ripe <= horizon_end:
                        timers.append(Deadline(Rule.NO_TASK, deal_key(did), ripe))
            if stuck_on and status in plan.working_status_ids:
                limit = stuck_limits.get(status, stuck_default)
                ripe = deal.stage_entered_at + limit
                if now >= ripe:  # the condition itself: a move to another stage clears it
                    _stuck(run, deal, plan, ripe, limit)
                else:
                    if soonest is None or ripe < soonest:
                        soonest = ripe
                    if ripe <= horizon_end:
                        timers.append(Deadline(Rule.STUCK, deal_key(did), ripe))
        if tasks:
            for task in tasks:
                due = task.due
                if due < now:
                    who = task.responsible_user_id
                    pile = overdue.get(who)
                    if pile is None:
                        overdue[who] = [task]
                        overdue_budget[who] = deal.price
                    else:
                        pile.append(task)
                        overdue_budget[who] += deal.price
                elif due <= day_off_end:
                    who = task.responsible_user_id
                    off = off_days[who] if who in off_days else run.off_days(who)
                    if off is not None and (days := off.run_at(due)):
                        _day_off(run, task, days)
    if soonest is not None and (run.next_at is None or soonest < run.next_at):
        run.next_at = soonest


def _take(run: _Sweep, deal: DealRow, tracked: bool) -> None:
    cfg, now = run.cfg, run.now
    since = deal.assigned_at or deal.created_at
    calendar = run.staff.calendar(deal.responsible_user_id)
    if calendar is not None and not calendar.is_on_shift(since):
        start = calendar.next_shift_start(since)
        if start is not None and start > since:
            since = start  # landed off shift: the clock starts with the manager's shift
    clock = take_clock(deal, since, cfg, now)
    key = deal_key(deal.id)
    ladder, first = cfg.take_ladder(clock.deadline)
    ripe = since + first
    if now < ripe and not (tracked and (Rule.TAKE, key) in run.states):
        run.due(Rule.TAKE, key, ripe)
        return
    facts = take_facts(deal, clock)
    buttons = run.buttons_of[Rule.TAKE]
    run.found(
        Finding(
            Rule.TAKE,
            key,
            deal.responsible_user_id,
            ripe,
            ladder,
            facts,
            deal.id,
            None,
            buttons,
            deal,
        )
    )


def _no_task(run: _Sweep, deal: DealRow, plan: PipelineSla, ripe: datetime) -> None:
    cfg = run.cfg
    run.found(
        Finding(
            Rule.NO_TASK,
            deal_key(deal.id),
            deal.responsible_user_id,
            ripe,
            cfg.no_task_ladder,
            no_task_facts(deal, plan),
            deal.id,
            deal.last_activity_at,
            run.buttons_of[Rule.NO_TASK],
            deal,
        )
    )


def _stuck(
    run: _Sweep, deal: DealRow, plan: PipelineSla, ripe: datetime, limit: timedelta
) -> None:
    run.found(
        Finding(
            Rule.STUCK,
            deal_key(deal.id),
            deal.responsible_user_id,
            ripe,
            run.cfg.stuck_ladder,
            stuck_facts(deal, plan, limit),
            deal.id,
            deal.last_activity_at,
            run.buttons_of[Rule.STUCK],
            deal,
        )
    )


def _closed_stage(run: _Sweep, deal: DealRow, plan: PipelineSla) -> None:
    key = deal_key(deal.id)
    revert = run.cfg.guards.closed_stage.revert
    if (Rule.CLOSED_STAGE, key) not in run.states and revert and deal.reopened_from is not None:
        run.actions.append(
            RevertStage(deal.id, deal.pipeline_id, deal.reopened_from, deal.reopened_by)
        )
    run.found(
        Finding(
            Rule.CLOSED_STAGE,
            key,
            deal.responsible_user_id,
            deal.stage_entered_at,
            HEAD_ONLY,
            closed_stage_facts(deal, plan, revert),
            deal.id,
            None,
            run.buttons_of[Rule.CLOSED_STAGE],
            deal,
        )
    )


def _day_off(run: _Sweep, task: TaskRow, days: int) -> None:
    """A task due on its manager's day off (`days` off in a row from then on)."""
    who = task.responsible_user_id
    if days > run.cfg.handover_after_days:
        run.found(
            Finding(
                Rule.HANDOVER,
                task_key(task.id),
                who,
                run.now,
                HEAD_ONLY,
                handover_facts(task, days),
                task.deal_id,
                None,
                run.buttons_of[Rule.HANDOVER],
                task,
            )
        )
        return
    calendar = run.staff.calendar(who)
    if calendar is None:
        return
    new_due = calendar.move_to_working_time(task.due)
    if new_due != task.due:
        run.actions.append(MoveTaskToWorkingDay(task.id, task.deal_id, who, task.due, new_due))


def _piles(run: _Sweep) -> None:
    rule = run.cfg.sla.overdue_pile
    if not rule.enabled:
        return
    for owner, tasks in run.overdue.items():
        key = manager_key(owner)
        if len(tasks) < rule.threshold and (Rule.OVERDUE_PILE, key) not in run.states:
            continue
        if len(tasks) < rule.threshold:
            continue  # below the threshold again: the live escalation closes
        tasks.sort(key=lambda t: (t.due, t.id))
        ripe = tasks[rule.threshold - 1].due  # the moment the pile reached the threshold
        run.found(
            Finding(
                Rule.OVERDUE_PILE,
                key,
                owner,
                ripe,
                run.cfg.pile_ladder,
                pile_facts(owner, tasks, run.overdue_budget[owner]),
                None,
                None,
                run.buttons_of[Rule.OVERDUE_PILE],
            )
        )


def _deal_of(finding: Finding) -> DealRow:
    deal = finding.subject
    assert isinstance(deal, DealRow)
    return deal


def _stuck_buttons(finding: Finding, to: Audience) -> tuple[Button, ...]:
    return () if to is Audience.MANAGER else remind_buttons(_deal_of(finding).id)


def _pile_buttons(finding: Finding, to: Audience) -> tuple[Button, ...]:
    return pile_buttons(finding.owner)


def _step_all(run: _Sweep) -> None:
    ctx = LadderContext(run.staff, run.cfg.snooze_buttons)
    auto = run.cfg.sla.take.on_deadline is OnDeadline.AUTO_REASSIGN
    for key, finding in run.findings.items():
        state = run.states.get(key)
        if auto and finding.rule is Rule.TAKE and _auto_reassign(run, finding, state):
            continue
        actions, at = step(state, finding, run.now, ctx)
        run.actions.extend(actions)
        if at is not None:
            run.due(finding.rule, finding.subject_key, at)
    for key, state in run.states.items():
        if state.status is Status.CLOSED or key in run.findings:
            continue
        rule, subject = key
        deal = run.tracked.get(subject_id(subject) or 0) if subject.startswith("deal:") else None
        plan = run.cfg.pipelines.get(deal.pipeline_id) if deal is not None else None
        reason = close_reason(rule, deal, plan, state.facts)
        actions, _ = step(state, None, run.now, ctx, close_reason=reason)
        run.actions.extend(actions)


def _auto_reassign(run: _Sweep, finding: Finding, state: EscalationState | None) -> bool:
    """At the deadline the lead goes to the least loaded on-shift teammate (if any)."""
    facts = dict(finding.facts)
    deadline = facts.get("deadline")
    if not isinstance(deadline, datetime) or run.now < deadline or finding.deal_id is None:
        return False
    pool = run.candidates(finding.owner)
    if not pool:
        return False  # nobody on shift: the head's card, as without auto-reassignment
    to = pool[0]
    run.loads[to] = run.loads.get(to, 0) + 1
    run.actions.append(AutoReassign(finding.deal_id, finding.owner, to, Rule.TAKE))
    if state is not None and state.status is not Status.CLOSED:
        closed = replace(state, status=Status.CLOSED, deferred_until=None, snoozed_until=None)
        run.actions.append(Close(closed, "auto_reassigned", state.sent_level is not None))
    return True


def next_deadline(
    result: SweepResult, now: datetime, *, at_most: timedelta = timedelta(minutes=5)
) -> datetime:
    """When to sweep next: the earliest deadline, but at least every `at_most` (new deals and
    activity arrive between deadlines) and never in the past."""
    latest = now + at_most
    if result.next_at is None:
        return latest
    return max(now, min(result.next_at, latest))
