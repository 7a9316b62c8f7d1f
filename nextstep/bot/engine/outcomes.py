"""Call outcomes: what pressing Reached / No answer / Call back / Not interested writes."""

from __future__ import annotations

from dataclasses import replace
from typing import assert_never

from nextstep.bot.engine.common import base_params, closes, place_of, task_effect, written
from nextstep.bot.engine.effects import (
    AskLossReason,
    AskResultText,
    CallStatus,
    Decision,
    Effect,
    MoveStage,
    OfferStages,
    RefreshCards,
    RejectReason,
    ResetNoAnswer,
    TaskPurpose,
)
from nextstep.bot.engine.events import CallBack, CallOutcome, NoAnswer, NotInterested, Reached
from nextstep.bot.engine.ladder import on_no_answer
from nextstep.bot.engine.state import Context, DealView
from nextstep.bot.engine.texts import ParamValue
from nextstep.bot.playbook.calls import Outcome, OutcomeKind
from nextstep.bot.playbook.resolved import PipelinePlan, ResolvedPlaybook, StagePlace, TargetKind


def kind_of(event: CallOutcome) -> OutcomeKind:
    match event:
        case Reached():
            return OutcomeKind.REACHED
        case NoAnswer():
            return OutcomeKind.NO_ANSWER
        case CallBack():
            return OutcomeKind.CALL_BACK
        case NotInterested():
            return OutcomeKind.NOT_INTERESTED
        case _:
            assert_never(event)


def on_call_outcome(
    event: CallOutcome,
    deal: DealView,
    rp: ResolvedPlaybook,
    plan: PipelinePlan | None,
    ctx: Context,
) -> Decision:
    if deal.is_closed:
        return Decision.reject(RejectReason.DEAL_CLOSED)
    if plan is None:
        return Decision.reject(RejectReason.PIPELINE_NOT_COVERED)
    if deal.task(event.task_id) is None:
        return Decision.reject(RejectReason.TASK_NOT_OPEN)
    outcome = rp.playbook.outcomes.get(kind_of(event))
    if outcome is None:
        return Decision.reject(RejectReason.OUTCOME_NOT_OFFERED)
    match event:
        case Reached():
            return _reached(event, outcome, deal, rp, plan, ctx)
        case NoAnswer():
            return on_no_answer(event, outcome, deal, rp, plan, ctx)
        case CallBack():
            return _call_back(event, outcome, deal, rp, plan, ctx)
        case NotInterested():
            return _not_interested(event, outcome, deal, rp, plan, ctx)
        case _:
            assert_never(event)


def _then(
    place: StagePlace | None,
    outcome: Outcome,
    deal: DealView,
    rp: ResolvedPlaybook,
    plan: PipelinePlan,
    ctx: Context,
    params: dict[str, ParamValue],
    loss_reason_id: int | None = None,
) -> list[Effect]:
    """The stage move, then the next task unless the move closed the deal."""
    effects: list[Effect] = []
    if place is not None:
        lost = place.status_id == plan.layout.lost_id
        effects.append(
            MoveStage(place.pipeline_id, place.status_id, loss_reason_id if lost else None)
        )
    if outcome.next_task is not None and not closes(place, plan):
        effects.append(
            task_effect(outcome.next_task, deal, rp, ctx, TaskPurpose.NEXT_STEP, params)
        )
    return [*effects, RefreshCards()]


def _reached(
    event: Reached,
    outcome: Outcome,
    deal: DealView,
    rp: ResolvedPlaybook,
    plan: PipelinePlan,
    ctx: Context,
) -> Decision:
    result = (event.result_text or "").strip()
    if outcome.require_result_text and not result:
        return Decision((AskResultText(event.task_id),))
    target = plan.outcome_moves.get(OutcomeKind.REACHED)
    place = place_of(target, deal, plan)
    if target is not None and target.kind is TargetKind.ASK and not event.stay:
        choices = (*plan.layout.following(deal.status_id), plan.layout.won_id)
        if event.next_status_id is None:
            return Decision((OfferStages(event.task_id, choices),))
        if event.next_status_id not in choices:
            return Decision.reject(RejectReason.STAGE_NOT_OFFERED)
        place = StagePlace(deal.pipeline_id, event.next_status_id)
    params = {**base_params(deal), "result": result}
    effects = written(event.task_id, outcome, CallStatus.CONVERSATION, params)
    if deal.no_answer_attempts:
        effects.append(ResetNoAnswer())
    effects += _then(place, outcome, deal, rp, plan, ctx, params)
    return Decision(tuple(effects))


def _call_back(
    event: CallBack,
    outcome: Outcome,
    deal: DealView,
    rp: ResolvedPlaybook,
    plan: PipelinePlan,
    ctx: Context,
) -> Decision:
    if event.at <= ctx.now:
        return Decision.reject(RejectReason.TIME_IN_PAST)
    params = {**base_params(deal), "at": event.at}
    effects = written(event.task_id, outcome, CallStatus.CALL_BACK, params)
    if deal.no_answer_attempts:
        effects.append(ResetNoAnswer())
    place = place_of(plan.outcome_moves.get(OutcomeKind.CALL_BACK), deal, plan)
    if place is not None:
        effects.append(MoveStage(place.pipeline_id, place.status_id))
    spec = outcome.next_task or rp.playbook.call_task
    task = task_effect(spec, deal, rp, ctx, TaskPurpose.CALL_BACK, params)
    effects += [replace(task, due=event.at), RefreshCards()]
    return Decision(tuple(effects))


def _not_interested(
    event: NotInterested,
    outcome: Outcome,
    deal: DealView,
    rp: ResolvedPlaybook,
    plan: PipelinePlan,
    ctx: Context,
) -> Decision:
    reason = event.loss_reason_id
    offered = rp.offered_loss_reasons
    if reason is None and getattr(outcome, "ask_loss_reason", False):
        return Decision((AskLossReason(event.task_id, offered),))
    known = offered if offered is not None else tuple(rp.loss_reason_names) or None
    if reason is not None and known is not None and reason not in known:
        return Decision.reject(RejectReason.LOSS_REASON_NOT_OFFERED)
    name = rp.loss_reason_names.get(reason, "") if reason is not None else ""
    params = {**base_params(deal), "reason": name}
    effects = written(event.task_id, outcome, CallStatus.CONVERSATION, params)
    place = place_of(plan.outcome_moves.get(OutcomeKind.NOT_INTERESTED), deal, plan)
    effects += _then(place, outcome, deal, rp, plan, ctx, params, loss_reason_id=reason)
    return Decision(tuple(effects))
