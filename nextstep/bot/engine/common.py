"""Small pieces every rule uses: due times, task effects, stage targets, cards."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from nextstep.bot.engine.effects import (
    AddCallNote,
    CallStatus,
    CardKind,
    CompleteTask,
    CreateTask,
    Effect,
    NotifyCard,
    Person,
    TaskPurpose,
)
from nextstep.bot.engine.state import Context, DealView
from nextstep.bot.engine.texts import ParamValue, Text
from nextstep.bot.playbook.calls import Outcome, TaskSpec
from nextstep.bot.playbook.durations import Due, DueKind
from nextstep.bot.playbook.resolved import (
    PipelinePlan,
    ResolvedPlaybook,
    StagePlace,
    Target,
    TargetKind,
)


def due_at(due: Due, ctx: Context, at: datetime | None = None) -> datetime:
    match due.kind:
        case DueKind.IN:
            return ctx.now + due.delay
        case DueKind.NEXT_WORKING_MORNING:
            return ctx.next_working_morning
        case DueKind.AT:
            # The model allows `at` only where the manager typed a time.
            return at or ctx.now


def task_effect(
    spec: TaskSpec,
    deal: DealView,
    rp: ResolvedPlaybook,
    ctx: Context,
    purpose: TaskPurpose,
    params: Mapping[str, ParamValue],
    at: datetime | None = None,
) -> CreateTask:
    full = rp.playbook.task(spec)  # gaps filled from the call_task template
    return CreateTask(
        text=Text.from_spec(full.text, params),
        due=due_at(full.due, ctx, at),
        task_type=full.type,
        responsible_user_id=deal.responsible_user_id,
        purpose=purpose,
    )


def place_of(target: Target | None, deal: DealView, plan: PipelinePlan) -> StagePlace | None:
    """Where a FIXED or NEXT target puts this deal; None for no move (or nowhere to go)."""
    if target is None:
        return None
    match target.kind:
        case TargetKind.FIXED:
            place = target.place
        case TargetKind.NEXT:
            status = plan.layout.next_working(deal.status_id)
            place = StagePlace(deal.pipeline_id, status) if status is not None else None
        case TargetKind.ASK:
            place = None
    if place == StagePlace(deal.pipeline_id, deal.status_id):
        return None
    return place


def closes(place: StagePlace | None, plan: PipelinePlan) -> bool:
    return place is not None and place.status_id in (plan.layout.won_id, plan.layout.lost_id)


def card(
    deal: DealView, rp: ResolvedPlaybook, kind: CardKind, task_id: int | None = None
) -> NotifyCard:
    return NotifyCard(Person(deal.responsible_user_id), kind, rp.playbook.card_fields, task_id)


def written(
    task_id: int, outcome: Outcome, status: CallStatus, params: Mapping[str, ParamValue]
) -> list[Effect]:
    """The call task completed with the outcome's result, and the call note."""
    effects: list[Effect] = [CompleteTask(task_id, Text.from_spec(outcome.task_result, params))]
    if outcome.note is not None:
        effects.append(AddCallNote(status, Text.from_spec(outcome.note, params)))
    return effects


def base_params(deal: DealView) -> dict[str, ParamValue]:
    return {"deal": deal.name}
