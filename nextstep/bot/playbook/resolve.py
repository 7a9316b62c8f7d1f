"""Bind a playbook to one CRM account: pipeline and stage references become ids.

Runs at start (and in `playbook check` against a live account). A name the CRM does not have is
an error that names what is missing and lists what exists. Under `pipelines: any`, a pipeline the
playbook's positional references do not fit (say, one working stage and `second_working`) is left
out and reported in `skipped` rather than failing the whole account.
"""

from __future__ import annotations

from collections.abc import Sequence

from nextstep.bot.playbook.calls import OutcomeKind
from nextstep.bot.playbook.model import Playbook
from nextstep.bot.playbook.refs import MAIN, LossReasonRef, StageKeyword, StageRef
from nextstep.bot.playbook.resolved import (
    PipelineLayout,
    PipelinePlan,
    ResolvedPlaybook,
    Target,
    TargetKind,
)
from nextstep.bot.playbook.sections.bind import bind_rules
from nextstep.bot.playbook.sections.sla_bind import bind_stuck_days
from nextstep.crm_client.models import (
    LOST_STATUS_ID,
    WON_STATUS_ID,
    LossReason,
    Pipeline,
    StageKind,
)


class PlaybookResolveError(Exception):
    """The playbook names pipelines, stages or loss reasons this CRM account does not have."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("the playbook does not fit the CRM:\n" + "\n".join(problems))


class _Missing(Exception):
    def __init__(self, message: str, *, hard: bool) -> None:
        super().__init__(message)
        self.hard = hard  # a name the file wrote (an error), not a position that does not fit


def _norm(name: str) -> str:
    return " ".join(name.split()).casefold()


def _listed(names: Sequence[str]) -> str:
    return ", ".join(repr(n) for n in names) if names else "none"


def resolve(
    playbook: Playbook, pipelines: Sequence[Pipeline], loss_reasons: Sequence[LossReason] = ()
) -> ResolvedPlaybook:
    ordered = sorted(pipelines, key=lambda p: (p.sort, p.id))
    if not ordered:
        raise PlaybookResolveError(["the CRM account has no pipelines"])
    problems: list[str] = []
    plans: dict[int, PipelinePlan] = {}
    skipped: list[str] = []
    for pipeline, explicit in _scope(playbook, ordered, problems):
        try:
            plans[pipeline.id] = _plan(playbook, pipeline, ordered)
        except _Missing as missing:
            if explicit or missing.hard:
                problems.append(str(missing))
            else:
                skipped.append(f"{pipeline.name!r}: {missing}")
    if not plans and not problems:
        problems.append("no pipeline fits the playbook: " + "; ".join(skipped))
    reasons = _Reasons(loss_reasons, problems)
    ladder_reasons = tuple(reasons.pick(s.loss_reason) for s in playbook.no_answer_ladder)
    offered = reasons.offer(playbook.loss_reasons.names)
    rules = bind_rules(playbook, ordered, loss_reasons, problems)
    stuck_days = bind_stuck_days(playbook, ordered, plans, problems)
    if problems:
        raise PlaybookResolveError(list(dict.fromkeys(problems)))
    return ResolvedPlaybook(
        playbook=playbook,
        pipelines=plans,
        loss_reason_names={r.id: r.name for r in loss_reasons},
        offered_loss_reasons=offered,
        ladder_loss_reasons=ladder_reasons,
        skipped=tuple(skipped),
        rules=rules,
        stuck_days=stuck_days,
    )


def _find_pipeline(name: str, ordered: Sequence[Pipeline]) -> Pipeline:
    if name == MAIN:
        return next((p for p in ordered if p.is_main), ordered[0])
    for pipeline in ordered:
        if _norm(pipeline.name) == _norm(name):
            return pipeline
    raise _Missing(
        f"no pipeline named {name!r}; the CRM has: {_listed([p.name for p in ordered])}",
        hard=True,
    )


def _scope(
    playbook: Playbook, ordered: Sequence[Pipeline], problems: list[str]
) -> list[tuple[Pipeline, bool]]:
    """The pipelines the playbook runs in, each flagged when the file named it."""
    if playbook.pipelines.names is None:
        return [(p, False) for p in ordered]
    chosen: dict[int, tuple[Pipeline, bool]] = {}
    for name in playbook.pipelines.names:
        try:
            pipeline = _find_pipeline(name, ordered)
        except _Missing as missing:
            problems.append(f"pipelines: {missing}")
            continue
        chosen.setdefault(pipeline.id, (pipeline, True))
    return list(chosen.values())


def layout_of(pipeline: Pipeline) -> PipelineLayout:
    def first_id(kind: StageKind, default: int | None) -> int | None:
        return next((s.id for s in pipeline.stages if s.kind is kind), default)

    return PipelineLayout(
        id=pipeline.id,
        name=pipeline.name,
        working=tuple(s.id for s in pipeline.working_stages()),
        won_id=first_id(StageKind.WON, WON_STATUS_ID) or WON_STATUS_ID,
        lost_id=first_id(StageKind.LOST, LOST_STATUS_ID) or LOST_STATUS_ID,
        unsorted_id=first_id(StageKind.UNSORTED, None),
        stage_names={s.id: s.name for s in pipeline.stages},
    )


def _plan(playbook: Playbook, pipeline: Pipeline, ordered: Sequence[Pipeline]) -> PipelinePlan:
    take = playbook.take_into_work
    outcomes = playbook.outcomes
    return PipelinePlan(
        layout=layout_of(pipeline),
        new_status_ids=_new_stages(take.new_stages, pipeline, ordered),
        take_to=_target(take.move_to, pipeline, ordered, "take_into_work.move_to"),
        outcome_moves={
            kind: _target(o.move, pipeline, ordered, f"outcomes.{kind}.move")
            for kind in OutcomeKind
            if (o := outcomes.get(kind)) is not None
        },
        ladder_moves=tuple(
            _target(step.move, pipeline, ordered, f"no_answer_ladder.{i}.move")
            for i, step in enumerate(playbook.no_answer_ladder)
        ),
    )


def _new_stages(
    refs: Sequence[StageRef], pipeline: Pipeline, ordered: Sequence[Pipeline]
) -> frozenset[int]:
    found: set[int] = set()
    for ref in refs:
        try:
            target = _target(ref, pipeline, ordered, "take_into_work.new_stages")
        except _Missing as missing:
            if missing.hard:
                raise
            continue  # e.g. a pipeline without the unsorted stage: fine, others remain
        if target is not None and target.place is not None:
            found.add(target.place.status_id)
    if not found:
        raise _Missing("take_into_work.new_stages: none of these stages exists", hard=False)
    return frozenset(found)


def _target(
    ref: StageRef | None, context: Pipeline, ordered: Sequence[Pipeline], where: str
) -> Target | None:
    if ref is None:
        return None
    if ref.kind is StageKeyword.NEXT:
        return Target(TargetKind.NEXT)
    if ref.kind is StageKeyword.ASK:
        return Target(TargetKind.ASK)
    try:
        pipeline = _find_pipeline(ref.pipeline, ordered) if ref.pipeline else context
    except _Missing as missing:
        raise _Missing(f"{where}: {missing}", hard=True) from None
    return Target.fixed(pipeline.id, _status_id(ref, pipeline, where))


def _status_id(ref: StageRef, pipeline: Pipeline, where: str) -> int:
    layout = layout_of(pipeline)
    if ref.stage is not None:
        for stage in pipeline.stages:
            if _norm(stage.name) == _norm(ref.stage):
                return stage.id
        names = [s.name for s in sorted(pipeline.stages, key=lambda s: (s.sort, s.id))]
        raise _Missing(
            f"{where}: no stage named {ref.stage!r} in pipeline {pipeline.name!r}; "
            f"its stages: {_listed(names)}",
            hard=True,
        )
    by_kind = {StageKeyword.WON: layout.won_id, StageKeyword.LOST: layout.lost_id}
    if ref.kind in by_kind:
        return by_kind[ref.kind]
    if ref.kind is StageKeyword.UNSORTED:
        if layout.unsorted_id is None:
            raise _Missing(f"{where}: pipeline has no unsorted stage", hard=False)
        return layout.unsorted_id
    position = {StageKeyword.FIRST_WORKING: 1, StageKeyword.SECOND_WORKING: 2}.get(
        ref.kind or StageKeyword.NEXT, ref.position or 0
    )
    if not 1 <= position <= len(layout.working):
        raise _Missing(
            f"{where}: {ref.describe()} asks for working stage {position} but pipeline "
            f"{pipeline.name!r} has {len(layout.working)}",
            hard=ref.pipeline is not None,
        )
    return layout.working[position - 1]


class _Reasons:
    """Loss reasons by name, collecting problems."""

    def __init__(self, reasons: Sequence[LossReason], problems: list[str]) -> None:
        self._by_name = {_norm(r.name): r.id for r in reasons}
        self._names = [r.name for r in sorted(reasons, key=lambda r: (r.sort, r.id))]
        self._problems = problems

    def pick(self, ref: LossReasonRef | None) -> int | None:
        if ref is None:
            return None
        for name in ref.names:
            if _norm(name) in self._by_name:
                return self._by_name[_norm(name)]
        if ref.if_missing == "error":
            self._problems.append(
                f"no loss reason named {_listed(ref.names)}; the CRM has: {_listed(self._names)}"
            )
        return None

    def offer(self, names: Sequence[str] | None) -> tuple[int, ...] | None:
        if names is None:
            return None
        missing = [n for n in names if _norm(n) not in self._by_name]
        if missing:
            self._problems.append(
                f"loss_reasons: no loss reason named {_listed(missing)}; "
                f"the CRM has: {_listed(self._names)}"
            )
        return tuple(self._by_name[_norm(n)] for n in names if _norm(n) in self._by_name)
