"""The no-answer ladder (story 002): after each unanswered call the next touch is set by the
attempt number — a messenger message, a call-back task, and at the end the deal goes to lost."""

from __future__ import annotations

from nextstep.bot.engine.common import base_params, closes, place_of, task_effect, written
from nextstep.bot.engine.effects import (
    AddNote,
    CallStatus,
    Decision,
    Effect,
    IncrementNoAnswer,
    MoveStage,
    RefreshCards,
    RunSalesbot,
    TaskPurpose,
)
from nextstep.bot.engine.events import NoAnswer
from nextstep.bot.engine.state import Context, DealView
from nextstep.bot.engine.texts import ParamValue, Text
from nextstep.bot.playbook.calls import Outcome
from nextstep.bot.playbook.resolved import PipelinePlan, ResolvedPlaybook


def on_no_answer(
    event: NoAnswer,
    outcome: Outcome,
    deal: DealView,
    rp: ResolvedPlaybook,
    plan: PipelinePlan,
    ctx: Context,
) -> Decision:
    attempt = deal.no_answer_attempts + 1
    params: dict[str, ParamValue] = {**base_params(deal), "attempt": attempt}
    effects = written(event.task_id, outcome, CallStatus.NO_ANSWER, params)
    effects.append(IncrementNoAnswer())
    if rp.playbook.no_answer_ladder:
        effects += _step(attempt, deal, rp, plan, ctx, params)
    elif outcome.next_task is not None:
        effects.append(task_effect(outcome.next_task, deal, rp, ctx, TaskPurpose.CALL, params))
    return Decision((*effects, RefreshCards()))


def _step(
    attempt: int,
    deal: DealView,
    rp: ResolvedPlaybook,
    plan: PipelinePlan,
    ctx: Context,
    params: dict[str, ParamValue],
) -> list[Effect]:
    """The ladder's step for this attempt; past the end the last step repeats."""
    index = min(attempt, len(rp.playbook.no_answer_ladder)) - 1
    step = rp.playbook.no_answer_ladder[index]
    effects: list[Effect] = []
    if step.note is not None:
        effects.append(AddNote(Text.from_spec(step.note, params)))
    if step.salesbot is not None:
        effects.append(RunSalesbot(step.salesbot))
    place = place_of(plan.ladder_moves[index], deal, plan)
    if place is not None:
        lost = place.status_id == plan.layout.lost_id
        reason = rp.ladder_loss_reasons[index] if lost else None
        effects.append(MoveStage(place.pipeline_id, place.status_id, reason))
    if step.next_task is not None and not closes(place, plan):
        effects.append(task_effect(step.next_task, deal, rp, ctx, TaskPurpose.CALL, params))
    return effects
