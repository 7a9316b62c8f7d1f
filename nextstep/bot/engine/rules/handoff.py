"""Hand-offs (story 002's estimators, story 003's location administrators).

A deal reaching the hand-off's stage (or a task completed with its result) sends every person of
the role a card with the fields the playbook lists. A required field left empty stops it: the
manager is asked to fill it and, with `hold`, the deal goes back before the stage, so it cannot
pass without them. On the card: Accept (the acceptor's task on the deal; the manager is told
who), Need info (a note, and the manager gets the question with a reply button), Ready (the task
completed, the deal moves on, the manager gets a call card). Unaccepted for `accept_within`, the
hand-off is escalated.
"""

from __future__ import annotations

from dataclasses import replace
from typing import assert_never

from nextstep.bot.engine.common import card
from nextstep.bot.engine.effects import (
    AddNote,
    CardKind,
    CompleteTask,
    CreateTask,
    MoveStage,
    Person,
    RefreshCards,
    Role,
    TaskPurpose,
)
from nextstep.bot.engine.rules.common import draft, key_text, params
from nextstep.bot.engine.rules.effects import (
    AskFields,
    CancelTimer,
    CreateRuleTask,
    FieldLine,
    HandOff,
    RuleEffect,
    RuleReject,
    RuleRejectReason,
    ScheduleTimer,
    SetHandoff,
    Tell,
    TellKind,
)
from nextstep.bot.engine.rules.events import (
    HandoffAccept,
    HandoffNeedInfo,
    HandoffPress,
    HandoffReady,
    HandoffReply,
    StageChanged,
    TaskCompleted,
)
from nextstep.bot.engine.rules.facts import DealFacts, HandoffState, HandoffStatus
from nextstep.bot.engine.state import Context
from nextstep.bot.engine.texts import Text
from nextstep.bot.playbook.resolved import ResolvedPlaybook, StagePlace, Target, TargetKind
from nextstep.bot.playbook.sections.bind import BoundHandoff, ResolvedRules
from nextstep.bot.playbook.sections.rule_common import is_blank, norm

TIMER_PREFIX = "handoff:"


def accept_timer(name: str) -> str:
    return f"{TIMER_PREFIX}{name}:accept"


def task_tag(name: str) -> str:
    return f"{TIMER_PREFIX}{name}"


def field_lines(bound: BoundHandoff, deal: DealFacts) -> tuple[FieldLine, ...]:
    return tuple(
        FieldLine(
            f.key,
            f.title,
            None if is_blank(v := deal.value(f)) else v,
            f.required,
            deal.field_types.get(f.field) if f.field else None,
        )
        for f in bound.rule.fields
    )


def missing_fields(bound: BoundHandoff, deal: DealFacts) -> tuple[str, ...]:
    return tuple(f.title for f in bound.rule.required() if is_blank(deal.value(f)))


def _open(state: HandoffState | None) -> bool:
    return state is not None and state.status in (HandoffStatus.SENT, HandoffStatus.ACCEPTED)


# --- triggers -------------------------------------------------------------------------------


def on_stage_changed(
    event: StageChanged, deal: DealFacts, rules: ResolvedRules, ctx: Context
) -> list[RuleEffect]:
    if deal.view.is_closed:
        return []
    old = StagePlace(event.old_pipeline_id, event.old_status_id)
    effects: list[RuleEffect] = []
    for bound in rules.handoffs:
        reached = _reached(bound, old, deal.place, rules)
        if reached is None or _open(deal.state.handoffs.get(bound.rule.name)):
            continue
        effects += _try_send(bound, deal, ctx, reached=reached, back=old)
    return effects


def _reached(
    bound: BoundHandoff, old: StagePlace, new: StagePlace, rules: ResolvedRules
) -> StagePlace | None:
    """The trigger stage the move reached or jumped over (in one pipeline), else None."""
    if new in bound.stages and old != new:
        return new
    if old.pipeline_id != new.pipeline_id or old == new:
        return None
    layout = rules.layouts.get(new.pipeline_id)
    if layout is None or old.status_id not in (*layout.working, layout.unsorted_id):
        return None
    order = layout.working
    old_i = order.index(old.status_id) if old.status_id in order else -1
    new_i = order.index(new.status_id) if new.status_id in order else None
    if new_i is None:
        return None
    for place in bound.stages:
        same = place.pipeline_id == new.pipeline_id and place.status_id in order
        if same and old_i < order.index(place.status_id) <= new_i:
            return place  # skipped past the hand-off's stage
    return None


def on_task_completed(
    event: TaskCompleted, deal: DealFacts, rules: ResolvedRules, ctx: Context
) -> list[RuleEffect]:
    if deal.view.is_closed:
        return []
    effects: list[RuleEffect] = []
    result = norm(event.result_text)
    for bound in rules.handoffs:
        wanted = bound.rule.when.task_result
        if wanted is None or deal.view.pipeline_id not in bound.pipeline_ids:
            continue
        if norm(wanted) not in result or _open(deal.state.handoffs.get(bound.rule.name)):
            continue
        effects += _try_send(bound, deal, ctx, reached=None, back=None)
    return effects


def on_fields_changed(deal: DealFacts, rules: ResolvedRules, ctx: Context) -> list[RuleEffect]:
    """A hand-off waiting for fields goes once they are filled (and the deal returns)."""
    if deal.view.is_closed:
        return []
    effects: list[RuleEffect] = []
    for bound in rules.handoffs:
        state = deal.state.handoffs.get(bound.rule.name)
        if state is None or state.status is not HandoffStatus.WAITING_FIELDS:
            continue
        if missing_fields(bound, deal):
            continue  # still missing: the manager already has the request
        target = state.held_at
        if target is not None and target != deal.place:
            effects.append(MoveStage(target.pipeline_id, target.status_id))
        effects += _send(bound, deal, ctx)
    return effects


def _try_send(
    bound: BoundHandoff,
    deal: DealFacts,
    ctx: Context,
    *,
    reached: StagePlace | None,
    back: StagePlace | None,
) -> list[RuleEffect]:
    name = bound.rule.name
    missing = missing_fields(bound, deal)
    if not missing:
        return _send(bound, deal, ctx)
    effects: list[RuleEffect] = []
    held = bound.rule.hold and reached is not None and back is not None
    if held and back is not None:
        effects.append(MoveStage(back.pipeline_id, back.status_id))
    effects += [
        AskFields(name, Person(deal.view.responsible_user_id), missing, held=held),
        SetHandoff(name, HandoffState(HandoffStatus.WAITING_FIELDS, held_at=reached)),
    ]
    return effects


def _send(bound: BoundHandoff, deal: DealFacts, ctx: Context) -> list[RuleEffect]:
    rule = bound.rule
    group = None
    if rule.group_by is not None:
        value = deal.fields.get(rule.group_by)
        group = None if is_blank(value) else str(value)
    effects: list[RuleEffect] = [
        HandOff(rule.name, rule.title, Role(rule.to), rule.pick, field_lines(bound, deal), group),
        SetHandoff(rule.name, HandoffState(HandoffStatus.SENT, sent_at=ctx.now)),
        AddNote(key_text("rules.handoff.sent_note", {"title": rule.title, "role": rule.to})),
    ]
    if rule.accept_within is not None:
        effects.append(ScheduleTimer(accept_timer(rule.name), ctx.now + rule.accept_within))
    return effects


def on_timer(key: str, deal: DealFacts, rules: ResolvedRules) -> list[RuleEffect]:
    name = key.removeprefix(TIMER_PREFIX).removesuffix(":accept")
    bound = rules.handoff(name)
    state = deal.state.handoffs.get(name)
    if bound is None or state is None or state.status is not HandoffStatus.SENT:
        return []  # accepted (or gone) meanwhile
    if deal.view.is_closed:
        return []
    text = key_text(TellKind.HANDOFF_ESCALATION, {**params(deal), "title": bound.rule.title})
    return [Tell(Role(bound.rule.escalate_to), TellKind.HANDOFF_ESCALATION, text)]


# --- buttons --------------------------------------------------------------------------------


def on_press(
    event: HandoffPress, deal: DealFacts, rp: ResolvedPlaybook, rules: ResolvedRules, ctx: Context
) -> list[RuleEffect]:
    bound = rules.handoff(event.handoff)
    if bound is None:
        return [RuleReject(RuleRejectReason.HANDOFF_UNKNOWN)]
    state = deal.state.handoffs.get(event.handoff)
    if state is None or not _open(state) or deal.view.is_closed:
        return [RuleReject(RuleRejectReason.HANDOFF_NOT_OPEN)]
    match event:
        case HandoffAccept():
            return _accept(event, bound, state, deal, rp, ctx)
        case HandoffNeedInfo():
            return _need_info(event, bound, deal)
        case HandoffReply():
            return _reply(event, bound, deal)
        case HandoffReady():
            return _ready(event, bound, state, deal, rp, rules, ctx)
        case _:
            assert_never(event)


def _accept(
    event: HandoffAccept,
    bound: BoundHandoff,
    state: HandoffState,
    deal: DealFacts,
    rp: ResolvedPlaybook,
    ctx: Context,
) -> list[RuleEffect]:
    if state.status is HandoffStatus.ACCEPTED:
        return [RuleReject(RuleRejectReason.HANDOFF_TAKEN, state.accepted_name)]
    rule = bound.rule
    task = draft(rule.accept_task, rp.playbook, ctx, params(deal))
    accepted = replace(
        state,
        status=HandoffStatus.ACCEPTED,
        accepted_by=event.by_user_id,
        accepted_name=event.by_name,
    )
    told = key_text(
        TellKind.HANDOFF_ACCEPTED, {**params(deal), "title": rule.title, "who": event.by_name}
    )
    return [
        SetHandoff(rule.name, accepted),
        CancelTimer(accept_timer(rule.name)),
        CreateRuleTask(task_tag(rule.name), task.text, task.due, task.task_type, event.by_user_id),
        Tell(Person(deal.view.responsible_user_id), TellKind.HANDOFF_ACCEPTED, told),
        RefreshCards(),  # the others' cards lose their Accept button
    ]


def _need_info(event: HandoffNeedInfo, bound: BoundHandoff, deal: DealFacts) -> list[RuleEffect]:
    question = event.question.strip()
    if not question:
        return [RuleReject(RuleRejectReason.EMPTY_TEXT)]
    values = {
        **params(deal),
        "title": bound.rule.title,
        "who": event.by_name,
        "question": question,
    }
    return [
        AddNote(key_text("rules.handoff.question_note", values)),
        Tell(
            Person(deal.view.responsible_user_id),
            TellKind.HANDOFF_QUESTION,
            key_text(TellKind.HANDOFF_QUESTION, values),
            reply_handoff=bound.rule.name,
            reply_to_user_id=event.by_user_id,
        ),
    ]


def _reply(event: HandoffReply, bound: BoundHandoff, deal: DealFacts) -> list[RuleEffect]:
    answer = event.text.strip()
    if not answer:
        return [RuleReject(RuleRejectReason.EMPTY_TEXT)]
    values = {**params(deal), "title": bound.rule.title, "who": event.by_name, "question": answer}
    return [
        AddNote(key_text("rules.handoff.answer_note", values)),
        Tell(
            Person(event.to_user_id),
            TellKind.HANDOFF_ANSWER,
            key_text(TellKind.HANDOFF_ANSWER, values),
        ),
    ]


def _ready(
    event: HandoffReady,
    bound: BoundHandoff,
    state: HandoffState,
    deal: DealFacts,
    rp: ResolvedPlaybook,
    rules: ResolvedRules,
    ctx: Context,
) -> list[RuleEffect]:
    if state.status is not HandoffStatus.ACCEPTED:
        return [RuleReject(RuleRejectReason.HANDOFF_NOT_ACCEPTED)]
    rule = bound.rule
    values = {**params(deal), "title": rule.title, "who": event.by_name or state.accepted_name}
    effects: list[RuleEffect] = [SetHandoff(rule.name, replace(state, status=HandoffStatus.DONE))]
    if state.task_id is not None and deal.view.task(state.task_id) is not None:
        effects.append(CompleteTask(state.task_id, Text.from_spec(rule.ready.result, values)))
    place = ready_place(bound.ready_moves.get(deal.view.pipeline_id), deal, rules)
    if place is not None:
        effects.append(MoveStage(place.pipeline_id, place.status_id))
    manager = Person(deal.view.responsible_user_id)
    effects.append(Tell(manager, TellKind.HANDOFF_READY, key_text(TellKind.HANDOFF_READY, values)))
    if rule.ready.manager_task is not None:
        task = draft(rule.ready.manager_task, rp.playbook, ctx, values)
        effects.append(
            CreateTask(
                task.text,
                task.due,
                task.task_type,
                deal.view.responsible_user_id,
                TaskPurpose.CALL,
            )
        )
        effects.append(card(deal.view, rp, CardKind.CALL_TASK))
    effects.append(RefreshCards())
    return effects


def ready_place(target: Target | None, deal: DealFacts, rules: ResolvedRules) -> StagePlace | None:
    """Where "ready" moves the deal: a fixed stage, or the working stage after its own."""
    if target is None:
        return None
    place: StagePlace | None = None
    if target.kind is TargetKind.FIXED:
        place = target.place
    elif target.kind is TargetKind.NEXT:
        layout = rules.layouts.get(deal.view.pipeline_id)
        status = layout.next_working(deal.view.status_id) if layout else None
        place = StagePlace(deal.view.pipeline_id, status) if status is not None else None
    return None if place == deal.place else place
