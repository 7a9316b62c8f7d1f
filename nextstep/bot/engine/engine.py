"""The entry point: `decide(event, deal, playbook, ctx) -> Decision`."""

from __future__ import annotations

from typing import assert_never

from nextstep.bot.engine.common import card
from nextstep.bot.engine.effects import CardKind, Decision
from nextstep.bot.engine.events import (
    CallBack,
    DealAssigned,
    DealChangedElsewhere,
    Event,
    NoAnswer,
    NotInterested,
    Reached,
    TakeIntoWork,
    TaskDue,
)
from nextstep.bot.engine.outcomes import on_call_outcome
from nextstep.bot.engine.state import Context, DealView
from nextstep.bot.engine.take import is_new, on_changed_elsewhere, on_deal_assigned, on_take
from nextstep.bot.playbook.resolved import PipelinePlan, ResolvedPlaybook


def decide(event: Event, deal: DealView, playbook: ResolvedPlaybook, ctx: Context) -> Decision:
    """What the playbook says should happen to `deal` on `event`, as effects (no I/O)."""
    plan = playbook.plan_for(deal.pipeline_id)
    match event:
        case DealAssigned():
            return on_deal_assigned(deal, playbook, plan, ctx)
        case TakeIntoWork():
            return on_take(deal, playbook, plan, ctx)
        case Reached() | NoAnswer() | CallBack() | NotInterested():
            return on_call_outcome(event, deal, playbook, plan, ctx)
        case TaskDue():
            return _on_task_due(event, deal, playbook, plan)
        case DealChangedElsewhere():
            return on_changed_elsewhere(event, deal, playbook, plan)
        case _:
            assert_never(event)


def _on_task_due(
    event: TaskDue, deal: DealView, rp: ResolvedPlaybook, plan: PipelinePlan | None
) -> Decision:
    """Remind the responsible with the card that lets them act on the task."""
    if deal.is_closed or plan is None or deal.task(event.task_id) is None:
        return Decision()
    is_take = event.task_id == deal.take_task_id and is_new(deal, plan)
    kind = CardKind.NEW_DEAL if is_take else CardKind.TASK_DUE
    return Decision((card(deal, rp, kind, event.task_id),))
