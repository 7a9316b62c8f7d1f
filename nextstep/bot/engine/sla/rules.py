"""The SLA rules: when each condition holds for a deal, task or manager, and what its card shows.

Each builder returns the rule's `Finding` (the facts, the ladder, when level 0 is due); the
sweep decides whether to build one at all (only when it is ripe or already escalated), and the
ladder (`escalation.step`) decides what to send.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from nextstep.bot.engine.sla.actions import Button
from nextstep.bot.engine.sla.config import PipelineSla, SlaConfig
from nextstep.bot.engine.sla.facts import DealRow, TaskRow
from nextstep.bot.engine.sla.record import Facts, Ladder, Rule, Step
from nextstep.bot.playbook.sections.sla import Audience

PILE_LISTED = 20  # tasks named on an overdue-pile card (the count covers all)
HEAD_ONLY: Ladder = (Step(Audience.HEAD, None),)
Buttons = tuple[Button, ...]


def deal_key(deal_id: int) -> str:
    return f"deal:{deal_id}"


def manager_key(crm_user_id: int) -> str:
    return f"manager:{crm_user_id}"


def task_key(task_id: int) -> str:
    return f"task:{task_id}"


def subject_id(subject_key: str) -> int | None:
    """The id inside a subject key (`deal:55` → 55)."""
    _, _, tail = subject_key.partition(":")
    return int(tail) if tail.isdigit() else None


# --- take into work ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TakeClock:
    since: datetime  # when the lead landed (or the manager's shift began, if later)
    deadline: timedelta
    priority: str | None  # the priority window's source, while it lasts


def take_clock(deal: DealRow, since: datetime, cfg: SlaConfig, now: datetime) -> TakeClock:
    """The deadline that applies: a priority window's while the lead is young, else the usual."""
    for window in cfg.sla.take.priority:
        matches = deal.source == window.source or window.source in deal.tags
        if matches and now < deal.created_at + window.first:
            return TakeClock(since, window.deadline, window.source)
    return TakeClock(since, cfg.sla.take.deadline, None)


def take_facts(deal: DealRow, clock: TakeClock) -> Facts:
    return (
        ("deal", deal.id),
        ("name", deal.name),
        ("manager", deal.responsible_user_id),
        ("since", clock.since),
        ("deadline", clock.since + clock.deadline),
        ("priority", clock.priority),
        ("price", deal.price),
    )


def take_manager_buttons(deal: DealRow) -> tuple[Button, ...]:
    return (Button("take", "sla.button.take_into_work", (("deal", deal.id),)),)


def take_head_buttons(deal: DealRow, candidates: Sequence[int]) -> tuple[Button, ...]:
    return (
        *(
            Button("reassign", "sla.button.reassign_to", (("deal", deal.id), ("to", who)))
            for who in candidates
        ),
        Button("take_myself", "sla.button.take_myself", (("deal", deal.id),)),
        Button("remind", "sla.button.remind_again", (("deal", deal.id),)),
    )


# --- no open task -----------------------------------------------------------------------------


def no_task_facts(deal: DealRow, plan: PipelineSla) -> Facts:
    return (
        ("deal", deal.id),
        ("name", deal.name),
        ("manager", deal.responsible_user_id),
        ("stage", plan.stage_names.get(deal.status_id, "")),
        ("price", deal.price),
        ("since", deal.last_activity_at),
    )


def no_task_buttons(deal: DealRow, cfg: SlaConfig, to: Audience) -> Buttons:
    """The manager picks the next step from the templates; a head can remind the manager."""
    if to is not Audience.MANAGER:
        return remind_buttons(deal.id)
    return tuple(
        Button("next_step", "sla.button.next_step", (("deal", deal.id), ("template", i)))
        for i in range(len(cfg.sla.no_task.templates))
    )


def remind_buttons(deal_id: int) -> Buttons:
    return (Button("remind", "sla.button.remind", (("deal", deal_id),)),)


# --- stuck on a stage -------------------------------------------------------------------------


def stuck_facts(deal: DealRow, plan: PipelineSla, limit: timedelta) -> Facts:
    return (
        ("deal", deal.id),
        ("name", deal.name),
        ("manager", deal.responsible_user_id),
        ("stage", plan.stage_names.get(deal.status_id, "")),
        ("entered", deal.stage_entered_at),
        ("limit_days", limit.days),
        ("price", deal.price),
    )


# --- moved back out of a closed stage ---------------------------------------------------------


def closed_stage_facts(deal: DealRow, plan: PipelineSla, reverted: bool) -> Facts:
    return (
        ("deal", deal.id),
        ("name", deal.name),
        ("manager", deal.responsible_user_id),
        ("from_stage", plan.stage_names.get(deal.reopened_from or 0, "")),
        ("to_stage", plan.stage_names.get(deal.status_id, "")),
        ("moved_by", deal.reopened_by),
        ("reverted", reverted),
        ("price", deal.price),
    )


def closed_stage_buttons(deal: DealRow, reverted: bool) -> tuple[Button, ...]:
    if reverted:
        return (Button("reopen", "sla.button.reopen_anyway", (("deal", deal.id),)),)
    return (Button("revert", "sla.button.revert", (("deal", deal.id),)),)


# --- overdue pile -----------------------------------------------------------------------------


def pile_facts(owner: int, overdue: Sequence[TaskRow], budget: float) -> Facts:
    listed = overdue[:PILE_LISTED]
    return (
        ("manager", owner),
        ("count", len(overdue)),
        ("budget", budget),
        ("task_ids", tuple(t.id for t in listed)),
        ("deal_ids", tuple(t.deal_id for t in listed)),
    )


def pile_buttons(owner: int) -> tuple[Button, ...]:
    return (
        Button("redistribute", "sla.button.redistribute", (("manager", owner),)),
        Button("remind", "sla.button.remind", (("manager", owner),)),
    )


# --- a task due while its manager is away for days ----------------------------------------------


def handover_facts(task: TaskRow, days_off: int) -> Facts:
    return (
        ("task", task.id),
        ("deal", task.deal_id),
        ("manager", task.responsible_user_id),
        ("due", task.due),
        ("days_off", days_off),
        ("text", task.text),
    )


def handover_buttons(task: TaskRow, candidates: Sequence[int]) -> tuple[Button, ...]:
    return tuple(
        Button("handover", "sla.button.hand_over_to", (("task", task.id), ("to", who)))
        for who in candidates
    )


def close_reason(rule: Rule, deal: DealRow | None, plan: PipelineSla | None, facts: Facts) -> str:
    """How an escalation ended, for its card (an i18n key suffix)."""
    if rule in (Rule.OVERDUE_PILE, Rule.HANDOVER):
        return "cleared"
    if deal is None or deal.is_deleted or plan is None:
        return "deal_gone"
    closed = deal.status_id in plan.closed_status_ids
    if rule is Rule.CLOSED_STAGE:
        return "reverted" if closed else "allowed"
    if closed:
        return "deal_closed"
    owner = dict(facts).get("manager")
    if owner is not None and owner != deal.responsible_user_id:
        return "reassigned"
    match rule:
        case Rule.TAKE:
            return "taken"
        case Rule.NO_TASK:
            return "task_set"
        case Rule.STUCK:
            return "moved_on"
        case _:
            return "cleared"
