"""Bind the rule sections (hand-offs, linked deals, date rules, recycling, NPS) to one account.

Pipeline, stage and loss-reason names become ids, with the resolver's error style: what is
missing, and what the CRM has. A stage named without a pipeline is looked up in every pipeline
the playbook runs in (the design studio's three pipelines share their stage names).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from nextstep.bot.playbook.model import Playbook
from nextstep.bot.playbook.refs import MAIN, StageKeyword, StageRef
from nextstep.bot.playbook.resolved import PipelineLayout, StagePlace, Target, TargetKind
from nextstep.bot.playbook.sections.dates import DateRule
from nextstep.bot.playbook.sections.handoffs import Handoff
from nextstep.bot.playbook.sections.linked import LinkedRule
from nextstep.bot.playbook.sections.nps import Nps
from nextstep.bot.playbook.sections.recycling import SAME, RecycleRule
from nextstep.bot.playbook.sections.rule_common import norm
from nextstep.crm_client.models import (
    LOST_STATUS_ID,
    WON_STATUS_ID,
    LossReason,
    Pipeline,
    StageKind,
)


@dataclass(frozen=True)
class BoundHandoff:
    rule: Handoff
    stages: frozenset[StagePlace]  # entering one of these triggers it (empty: by task result)
    pipeline_ids: frozenset[int]  # where it applies
    ready_moves: Mapping[int, Target | None]  # per pipeline: where "ready" moves the deal


@dataclass(frozen=True)
class BoundLinked:
    rule: LinkedRule
    trigger: StagePlace  # the deal reaching this stage of `from` starts the new deal
    create_at: StagePlace


@dataclass(frozen=True)
class BoundDateRule:
    rule: DateRule
    pipeline_ids: frozenset[int]


@dataclass(frozen=True)
class BoundRecycle:
    rule: RecycleRule
    pipeline_ids: frozenset[int]  # lost deals of these pipelines
    reason_ids: frozenset[int]
    targets: Mapping[int, StagePlace]  # per source pipeline: where the deal (or its copy) goes


@dataclass(frozen=True)
class ResolvedRules:
    handoffs: tuple[BoundHandoff, ...] = ()
    linked: tuple[BoundLinked, ...] = ()
    dates: tuple[BoundDateRule, ...] = ()
    recycling: tuple[BoundRecycle, ...] = ()
    nps: Nps | None = None
    layouts: Mapping[int, PipelineLayout] = field(default_factory=dict)

    def handoff(self, name: str) -> BoundHandoff | None:
        return next((h for h in self.handoffs if h.rule.name == name), None)

    def date_rule(self, name: str) -> BoundDateRule | None:
        return next((d for d in self.dates if d.rule.name == name), None)

    @property
    def empty(self) -> bool:
        return not (self.handoffs or self.linked or self.dates or self.recycling or self.nps)


class _Miss(Exception):
    pass


def _listed(names: Sequence[str]) -> str:
    return ", ".join(repr(n) for n in names) if names else "none"


def _layout(pipeline: Pipeline) -> PipelineLayout:
    def first(kind: StageKind) -> int | None:
        return next((s.id for s in pipeline.stages if s.kind is kind), None)

    return PipelineLayout(
        id=pipeline.id,
        name=pipeline.name,
        working=tuple(s.id for s in pipeline.working_stages()),
        won_id=first(StageKind.WON) or WON_STATUS_ID,
        lost_id=first(StageKind.LOST) or LOST_STATUS_ID,
        unsorted_id=first(StageKind.UNSORTED),
        stage_names={s.id: s.name for s in pipeline.stages},
    )


class _Account:
    """Name lookups over one account, collecting problems as the resolver words them."""

    def __init__(
        self, playbook: Playbook, pipelines: Sequence[Pipeline], reasons: Sequence[LossReason]
    ) -> None:
        self.ordered = sorted(pipelines, key=lambda p: (p.sort, p.id))
        self.layouts = {p.id: _layout(p) for p in self.ordered}
        self.reasons = {norm(r.name): r.id for r in reasons}
        self.reason_names = [r.name for r in sorted(reasons, key=lambda r: (r.sort, r.id))]
        self.problems: list[str] = []
        names = playbook.pipelines.names
        if names is None:
            self.scope = [p.id for p in self.ordered]
        else:
            found = []
            for name in names:
                try:
                    found.append(self.pipeline(name).id)
                except _Miss:
                    continue  # the core resolver reports the scope's own names
            self.scope = list(dict.fromkeys(found))

    def pipeline(self, name: str) -> Pipeline:
        if name == MAIN and self.ordered:
            return next((p for p in self.ordered if p.is_main), self.ordered[0])
        for pipeline in self.ordered:
            if norm(pipeline.name) == norm(name):
                return pipeline
        raise _Miss(
            f"no pipeline named {name!r}; the CRM has: {_listed([p.name for p in self.ordered])}"
        )

    def pipelines(self, names: Sequence[str] | None, where: str) -> frozenset[int]:
        if names is None:
            return frozenset(self.scope)
        found: set[int] = set()
        for name in names:
            try:
                found.add(self.pipeline(name).id)
            except _Miss as miss:
                self.problems.append(f"{where}: {miss}")
        return frozenset(found)

    def status(self, ref: StageRef, pipeline_id: int, where: str) -> int:
        """The stage `ref` names in one pipeline (`next` is not a place; callers keep it)."""
        layout = self.layouts[pipeline_id]
        if ref.stage is not None:
            for status_id, name in layout.stage_names.items():
                if norm(name) == norm(ref.stage):
                    return status_id
            raise _Miss(
                f"{where}: no stage named {ref.stage!r} in pipeline {layout.name!r}; "
                f"its stages: {_listed(list(layout.stage_names.values()))}"
            )
        if ref.kind is StageKeyword.WON:
            return layout.won_id
        if ref.kind is StageKeyword.LOST:
            return layout.lost_id
        if ref.kind is StageKeyword.UNSORTED:
            if layout.unsorted_id is None:
                raise _Miss(f"{where}: pipeline {layout.name!r} has no unsorted stage")
            return layout.unsorted_id
        position = {StageKeyword.FIRST_WORKING: 1, StageKeyword.SECOND_WORKING: 2}.get(
            ref.kind or StageKeyword.NEXT, ref.position or 0
        )
        if not 1 <= position <= len(layout.working):
            raise _Miss(
                f"{where}: {ref.describe()} asks for working stage {position} but pipeline "
                f"{layout.name!r} has {len(layout.working)}"
            )
        return layout.working[position - 1]

    def places(self, ref: StageRef, where: str) -> frozenset[StagePlace]:
        """`ref` in its own pipeline, or in every pipeline of the scope that has it."""
        if ref.pipeline is not None:
            try:
                pid = self.pipeline(ref.pipeline).id
                return frozenset({StagePlace(pid, self.status(ref, pid, where))})
            except _Miss as miss:
                text = str(miss)
                self.problems.append(text if text.startswith(where) else f"{where}: {text}")
                return frozenset()
        found: set[StagePlace] = set()
        misses: list[str] = []
        for pid in self.scope:
            try:
                found.add(StagePlace(pid, self.status(ref, pid, where)))
            except _Miss as miss:
                misses.append(str(miss))
        if not found:
            self.problems.append(
                misses[0]
                if len(misses) == 1
                else f"{where}: no pipeline of the playbook has "
                f"{ref.describe()}: " + "; ".join(m.removeprefix(f"{where}: ") for m in misses)
            )
        return frozenset(found)

    def reason_ids(self, names: Sequence[str], where: str) -> frozenset[int]:
        missing = [n for n in names if norm(n) not in self.reasons]
        if missing:
            self.problems.append(
                f"{where}: no loss reason named {_listed(missing)}; "
                f"the CRM has: {_listed(self.reason_names)}"
            )
        return frozenset(self.reasons[norm(n)] for n in names if norm(n) in self.reasons)

    def move(self, ref: StageRef | None, pipeline_id: int, where: str) -> Target | None:
        if ref is None:
            return None
        if ref.kind is StageKeyword.NEXT:
            return Target(TargetKind.NEXT)
        try:
            pid = self.pipeline(ref.pipeline).id if ref.pipeline else pipeline_id
            return Target.fixed(pid, self.status(ref, pid, where))
        except _Miss as miss:
            text = str(miss)
            self.problems.append(text if text.startswith(where) else f"{where}: {text}")
            return None


def bind_rules(
    playbook: Playbook,
    pipelines: Sequence[Pipeline],
    loss_reasons: Sequence[LossReason] = (),
    problems: list[str] | None = None,
) -> ResolvedRules:
    """The rule sections bound to this account; problems are appended to `problems`
    (or raised as ValueError when no list is given)."""
    acc = _Account(playbook, pipelines, loss_reasons)
    rules = ResolvedRules(
        handoffs=tuple(_handoff(h, acc) for h in (playbook.handoffs or _NO).rules),
        linked=tuple(
            b for r in (playbook.linked_deals or _NO).rules if (b := _linked(r, acc)) is not None
        ),
        dates=tuple(
            BoundDateRule(r, acc.pipelines(r.pipelines, f"date_rules.{r.name}.pipelines"))
            for r in (playbook.date_rules or _NO).rules
        ),
        recycling=tuple(_recycle(r, acc) for r in (playbook.recycling or _NO).rules),
        nps=playbook.nps,
        layouts=acc.layouts,
    )
    if problems is not None:
        problems.extend(acc.problems)
    elif acc.problems:
        raise ValueError("\n".join(acc.problems))
    return rules


class _None:
    rules: tuple[()] = ()


_NO = _None()


def _handoff(rule: Handoff, acc: _Account) -> BoundHandoff:
    where = f"handoffs.{rule.name}"
    stages: frozenset[StagePlace] = frozenset()
    if rule.when.stage is not None:
        stages = acc.places(rule.when.stage, f"{where}.when.stage")
        pipeline_ids = frozenset(p.pipeline_id for p in stages)
    else:
        pipeline_ids = frozenset(acc.scope)
    moves = {pid: acc.move(rule.ready.move, pid, f"{where}.ready.move") for pid in pipeline_ids}
    return BoundHandoff(rule, stages, pipeline_ids, moves)


def _linked(rule: LinkedRule, acc: _Account) -> BoundLinked | None:
    where = f"linked_deals.{rule.name}"
    try:
        source = acc.pipeline(rule.from_).id
        trigger = StagePlace(source, acc.status(rule.when, source, f"{where}.when"))
        target = acc.pipeline(rule.create.pipeline).id
        create_at = StagePlace(target, acc.status(rule.create.stage, target, f"{where}.create"))
    except _Miss as miss:
        text = str(miss)
        acc.problems.append(text if text.startswith(where) else f"{where}: {text}")
        return None
    return BoundLinked(rule, trigger, create_at)


def _recycle(rule: RecycleRule, acc: _Account) -> BoundRecycle:
    where = f"recycling.{rule.name}"
    sources = acc.pipelines(rule.pipelines, f"{where}.pipelines")
    reasons = acc.reason_ids(rule.reasons, f"{where}.reasons")
    targets: dict[int, StagePlace] = {}
    for pid in sorted(sources):
        try:
            target = pid if rule.pipeline == SAME else acc.pipeline(rule.pipeline).id
            targets[pid] = StagePlace(target, acc.status(rule.stage, target, f"{where}.stage"))
        except _Miss as miss:
            text = str(miss)
            acc.problems.append(text if text.startswith(where) else f"{where}: {text}")
    return BoundRecycle(rule, sources, reasons, targets)
