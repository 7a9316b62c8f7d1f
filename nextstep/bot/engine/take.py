"""New deals and taking them into work (story 000: one click; story 002: nothing left unworked)."""

from __future__ import annotations

from nextstep.bot.engine.common import base_params, card, place_of, task_effect
from nextstep.bot.engine.effects import (
    CardKind,
    CompleteTask,
    Decision,
    Effect,
    MarkTaken,
    MoveStage,
    RefreshCards,
    RejectReason,
    TaskPurpose,
)
from nextstep.bot.engine.events import DealChangedElsewhere
from nextstep.bot.engine.state import Context, DealView
from nextstep.bot.engine.texts import Text
from nextstep.bot.playbook.resolved import PipelinePlan, ResolvedPlaybook


def is_new(deal: DealView, plan: PipelinePlan) -> bool:
    return not deal.taken and deal.status_id in plan.new_status_ids


def on_deal_assigned(
    deal: DealView, rp: ResolvedPlaybook, plan: PipelinePlan | None, ctx: Context
) -> Decision:
    """A new deal gets the take-into-work task and a card with the button; others a notice."""
    if plan is None or deal.is_closed:
        return Decision()
    if not is_new(deal, plan):
        return Decision((card(deal, rp, CardKind.DEAL_ASSIGNED),))
    if deal.task(deal.take_task_id) is not None:
        return Decision()  # already announced (the sync found what a webhook brought)
    take = rp.playbook.take_into_work
    effects: list[Effect] = []
    # A deal that arrives with its next step (a recycled lost deal's second-try task, a linked
    # deal's first task) gets the card but no second, generic take task.
    if take.task is not None and not deal.open_tasks:
        params = base_params(deal)
        effects.append(task_effect(take.task, deal, rp, ctx, TaskPurpose.TAKE, params))
    effects.append(card(deal, rp, CardKind.NEW_DEAL))
    return Decision(tuple(effects))


def on_take(
    deal: DealView, rp: ResolvedPlaybook, plan: PipelinePlan | None, ctx: Context
) -> Decision:
    """Move to the working stage, close the take task, set the first call (one press)."""
    if deal.is_closed:
        return Decision.reject(RejectReason.DEAL_CLOSED)
    if plan is None:
        return Decision.reject(RejectReason.PIPELINE_NOT_COVERED)
    if not is_new(deal, plan):
        return Decision.reject(RejectReason.ALREADY_TAKEN)
    take = rp.playbook.take_into_work
    effects: list[Effect] = [MarkTaken()]
    place = place_of(plan.take_to, deal, plan)
    if place is not None:
        effects.append(MoveStage(place.pipeline_id, place.status_id))
    effects += _complete_take_task(deal, rp)
    step = _own_next_step(deal)
    if take.first_call is not None and step is None:
        params = base_params(deal)
        effects.append(task_effect(take.first_call, deal, rp, ctx, TaskPurpose.CALL, params))
    effects += [RefreshCards(), card(deal, rp, CardKind.CALL_TASK, step)]
    return Decision(tuple(effects))


def _own_next_step(deal: DealView) -> int | None:
    """The earliest open task of a deal that arrived with its next step (no take task of the
    bot's: a recycled deal's second try, a linked deal's first task). Taking it keeps that
    step, on the call card, instead of adding the generic first call next to it."""
    if deal.take_task_id is not None:
        return None
    tasks = sorted(deal.open_tasks, key=lambda t: (t.due, t.id))
    return tasks[0].id if tasks else None


def _complete_take_task(deal: DealView, rp: ResolvedPlaybook) -> list[Effect]:
    if deal.task(deal.take_task_id) is None or deal.take_task_id is None:
        return []
    result = Text.from_spec(rp.playbook.take_into_work.task_result, base_params(deal))
    return [CompleteTask(deal.take_task_id, result)]


def on_changed_elsewhere(
    event: DealChangedElsewhere, deal: DealView, rp: ResolvedPlaybook, plan: PipelinePlan | None
) -> Decision:
    """Cards follow the CRM; a deal moved on from a new stage counts as taken."""
    effects: list[Effect] = [RefreshCards()]
    if deal.is_closed or plan is None:
        return Decision(tuple(effects))
    moved_on = event.old_status_id in plan.new_status_ids and not is_new(deal, plan)
    if moved_on and not deal.taken:
        effects = [MarkTaken(), *_complete_take_task(deal, rp), *effects]
    if deal.responsible_user_id != event.old_responsible_user_id:
        kind = CardKind.NEW_DEAL if is_new(deal, plan) else CardKind.DEAL_ASSIGNED
        effects.append(card(deal, rp, kind))
    return Decision(tuple(effects))
