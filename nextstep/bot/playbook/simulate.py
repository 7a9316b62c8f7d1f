"""The dry run's core: replay CRM events through a playbook and count what it would have done.

Pure: the events and the deals (as the CRM holds them now) come in as data, nothing is written.
Each deal's rule state (hand-offs sent, reminders planned and fired, linked deals created) is
kept as the runtime would keep it, and timers that come due inside the window fire in time
order between the events, so date reminders and hand-off escalations are counted too.
Hand-off escalations are counted as if nobody pressed Accept in time (a replay has no presses).
"""

from __future__ import annotations

import heapq
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from nextstep.bot.engine.effects import (
    AddNote,
    CreateTask,
    MoveStage,
    NotifyCard,
    RunSalesbot,
)
from nextstep.bot.engine.engine import decide
from nextstep.bot.engine.events import DealAssigned
from nextstep.bot.engine.rules.dispatch import apply_rules
from nextstep.bot.engine.rules.effects import (
    AskFields,
    CancelTimer,
    CreateLinkedDeal,
    CreateRuleTask,
    HandOff,
    ReassignTo,
    Remember,
    RuleEffect,
    ScheduleTimer,
    SetHandoff,
    Tell,
    TellKind,
    WriteField,
)
from nextstep.bot.engine.rules.events import (
    FieldsChanged,
    RuleEvent,
    StageChanged,
    TaskCompleted,
    TimerDue,
)
from nextstep.bot.engine.rules.facts import DealFacts, RuleState
from nextstep.bot.engine.state import Context, DealView
from nextstep.bot.playbook.resolved import ResolvedPlaybook
from nextstep.crm_client.models import CrmEvent, CrmEventType, Deal, Task

CALL_PROCESS = "call process"


@dataclass(frozen=True)
class Action:
    what: str  # "task", "hand-off card", "linked deal", ...
    source: str  # the rule (or "call process")


@dataclass
class SimulationReport:
    since: datetime
    until: datetime
    events_read: int = 0
    events_used: int = 0
    deals: set[int] = field(default_factory=set)
    counts: Counter[Action] = field(default_factory=Counter)
    examples: list[str] = field(default_factory=list)  # the first few, to show what it means

    def total(self, what: str) -> int:
        return sum(n for a, n in self.counts.items() if a.what == what)


def _source_of_timer(key: str) -> str:
    parts = key.split(":")
    return parts[1] if len(parts) > 1 else key


def _label(effect: RuleEffect, source: str) -> Action | None:
    match effect:
        case CreateTask() | CreateRuleTask():
            return Action("task", source)
        case HandOff(handoff=name):
            return Action("hand-off card", name)
        case AskFields(handoff=name):
            return Action("ask manager for fields", name)
        case CreateLinkedDeal(rule=rule):
            return Action("linked deal", rule)
        case Tell(kind=TellKind.HANDOFF_ESCALATION):
            return Action("escalation", source)
        case Tell(kind=kind):
            return Action(f"message ({kind.value.rsplit('.', 1)[-1]})", source)
        case NotifyCard(card=card):
            return Action(f"card ({card.value})", source)
        case MoveStage():
            return Action("stage move", source)
        case RunSalesbot():
            return Action("salesbot message", source)
        case AddNote():
            return Action("note", source)
        case ReassignTo():
            return Action("reassign", source)
        case WriteField():
            return Action("field write", source)
        case _:
            return None  # bookkeeping: rule state, timers, refreshes


class _Replay:
    def __init__(
        self,
        rp: ResolvedPlaybook,
        deals: Mapping[int, Deal],
        tasks: Mapping[int, Task],
        client_deals: Mapping[int, Sequence[Deal]],
        report: SimulationReport,
        tz: ZoneInfo,
    ) -> None:
        self.rp, self.deals, self.tasks, self.client_deals = rp, deals, tasks, client_deals
        self.report, self.tz = report, tz
        self.states: dict[int, RuleState] = {}
        self.timers: list[tuple[datetime, int, str]] = []
        self.where: dict[int, tuple[int, int]] = {}  # deal → (pipeline, status) as replayed

    def ctx(self, now: datetime) -> Context:
        local = now.astimezone(self.tz)
        morning = self.rp.playbook.working_morning
        nxt = datetime.combine(local.date() + timedelta(days=1), morning, self.tz)
        return Context(now=now, next_working_morning=nxt, timezone=str(self.tz))

    def facts(self, deal: Deal, at: datetime) -> DealFacts:
        pipeline, status = self.where.get(deal.id, (deal.pipeline_id, deal.status_id))
        view = DealView.from_crm(deal, taken=True)
        view = replace(view, pipeline_id=pipeline, status_id=status)
        closed = deal.closed_at or (at if view.is_closed else None)
        base = DealFacts.from_crm(deal, view=view, client_deals=self.client_deals.get(deal.id, ()))
        return replace(base, closed_at=closed, state=self.states.get(deal.id, RuleState()))

    def fire_until(self, moment: datetime) -> None:
        while self.timers and self.timers[0][0] <= moment:
            due, deal_id, key = heapq.heappop(self.timers)
            state = self.states.get(deal_id, RuleState())
            if state.timers.get(key) != due:
                continue  # replaced or cancelled meanwhile
            timers = {k: v for k, v in state.timers.items() if k != key}
            self.states[deal_id] = replace(state, timers=timers)
            deal = self.deals.get(deal_id)
            if deal is not None:
                self.rules(TimerDue(key), deal, due, _source_of_timer(key))

    def rules(self, event: RuleEvent, deal: Deal, at: datetime, source: str = "") -> None:
        decision = apply_rules(event, self.facts(deal, at), self.rp, self.ctx(at))
        self.record(deal.id, decision.effects, source or CALL_PROCESS)

    def record(self, deal_id: int, effects: Sequence[RuleEffect], source: str) -> None:
        state = self.states.get(deal_id, RuleState())
        for effect in effects:
            match effect:
                case SetHandoff(handoff=name, state=hs):
                    state = replace(state, handoffs={**state.handoffs, name: hs})
                case ScheduleTimer(key=key, due=due):
                    state = replace(state, timers={**state.timers, key: due})
                    heapq.heappush(self.timers, (due, deal_id, key))
                case CancelTimer(key=key):
                    state = replace(
                        state, timers={k: v for k, v in state.timers.items() if k != key}
                    )
                case Remember(key=key):
                    state = replace(state, done=state.done | {key})
                case MoveStage(pipeline_id=pid, status_id=sid):
                    self.where[deal_id] = (pid, sid)
            action = _label(effect, source)
            if action is not None:
                self.report.counts[action] += 1
                self.report.deals.add(deal_id)
                if len(self.report.examples) < 10:
                    self.report.examples.append(f"deal {deal_id}: {action.what} — {action.source}")
        self.states[deal_id] = state

    def event(self, event: CrmEvent, at: datetime) -> bool:
        if event.entity in ("lead", "leads"):
            deal = self.deals.get(event.entity_id)
            if deal is None:
                return False
            return self.lead_event(event, deal, at)
        if event.entity in ("task", "tasks") and event.type is CrmEventType.TASK_COMPLETED:
            task = self.tasks.get(event.entity_id)
            if task is None or task.entity_id is None or task.entity_id not in self.deals:
                return False
            done = TaskCompleted(task.id, task.result_text or "", task.text, task.task_type_id)
            self.rules(done, self.deals[task.entity_id], at)
            return True
        return False

    def lead_event(self, event: CrmEvent, deal: Deal, at: datetime) -> bool:
        match event.type:
            case CrmEventType.DEAL_ADDED:
                if event.status_id is not None:
                    self.where[deal.id] = (event.pipeline_id or deal.pipeline_id, event.status_id)
                facts = self.facts(deal, at)
                view = replace(facts.view, taken=False)
                core = decide(DealAssigned(), view, self.rp, self.ctx(at))
                self.record(deal.id, core.effects, CALL_PROCESS)
                self.rules(FieldsChanged(), deal, at)
                return True
            case CrmEventType.DEAL_STATUS_CHANGED:
                if event.status_id is None:
                    return False
                old_pipeline = event.old_pipeline_id or event.pipeline_id or deal.pipeline_id
                old_status = event.old_status_id
                if old_status is None:
                    old_status = self.where.get(deal.id, (0, 0))[1]
                self.where[deal.id] = (event.pipeline_id or deal.pipeline_id, event.status_id)
                self.rules(StageChanged(old_pipeline, old_status), deal, at)
                return True
            case CrmEventType.DEAL_UPDATED:
                self.rules(FieldsChanged(), deal, at)
                return True
            case _:
                return False


def simulate(
    events: Sequence[CrmEvent],
    deals: Mapping[int, Deal],
    rp: ResolvedPlaybook,
    *,
    since: datetime,
    until: datetime,
    tasks: Mapping[int, Task] | None = None,
    client_deals: Mapping[int, Sequence[Deal]] | None = None,
    timezone: str = "Europe/Moscow",
) -> SimulationReport:
    """What `rp` would have done on `events` (in time order) between `since` and `until`."""
    report = SimulationReport(since=since, until=until)
    replay = _Replay(rp, deals, tasks or {}, client_deals or {}, report, ZoneInfo(timezone))
    dated = sorted(
        (e for e in events if e.occurred_at is not None and since <= e.occurred_at <= until),
        key=lambda e: (e.occurred_at or since, e.event_id or ""),
    )
    report.events_read = len(events)
    for event in dated:
        at = event.occurred_at or since
        replay.fire_until(at)
        if replay.event(event, at):
            report.events_used += 1
    replay.fire_until(until)
    return report


def format_report(report: SimulationReport) -> str:
    """The report as the CLI prints it: totals by kind, then by rule."""
    days = max((report.until - report.since).total_seconds() / 86400, 1e-9)
    lines = [
        f"Dry run {report.since:%Y-%m-%d %H:%M} → {report.until:%Y-%m-%d %H:%M} UTC: "
        f"{report.events_used} of {report.events_read} events replayed, "
        f"{len(report.deals)} deals affected. Nothing was written.",
    ]
    if not report.counts:
        lines.append("The playbook would have done nothing on these events.")
        return "\n".join(lines)
    lines.append("Would have done:")
    totals: Counter[str] = Counter()
    for action, n in report.counts.items():
        totals[action.what] += n
    for what, n in sorted(totals.items(), key=lambda kv: (-kv[1], kv[0])):
        lines.append(f"  {n:>5}  {what}  (≈{n / days:.1f} a day)")
    lines.append("By rule:")
    for action, n in sorted(report.counts.items(), key=lambda kv: (kv[0].source, kv[0].what)):
        lines.append(f"  {n:>5}  {action.source}: {action.what}")
    return "\n".join(lines)
