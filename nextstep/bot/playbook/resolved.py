"""A playbook bound to one CRM account: every stage reference is an id (or `next` / `ask`).

This is what the engine reads. It is plain frozen data, built by `resolve.resolve` at start.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING

from nextstep.bot.playbook.calls import OutcomeKind
from nextstep.bot.playbook.model import Playbook

if TYPE_CHECKING:
    from nextstep.bot.playbook.sections.bind import ResolvedRules


@dataclass(frozen=True)
class StagePlace:
    pipeline_id: int
    status_id: int


class TargetKind(StrEnum):
    FIXED = "fixed"  # a known stage
    NEXT = "next"  # the working stage after the deal's current one
    ASK = "ask"  # the manager picks among the following stages


@dataclass(frozen=True)
class Target:
    kind: TargetKind
    place: StagePlace | None = None  # set for FIXED

    @classmethod
    def fixed(cls, pipeline_id: int, status_id: int) -> Target:
        return cls(TargetKind.FIXED, StagePlace(pipeline_id, status_id))


@dataclass(frozen=True)
class PipelineLayout:
    """A pipeline's stages in order, as the engine needs them."""

    id: int
    name: str
    working: tuple[int, ...]  # working stage ids in pipeline order
    won_id: int
    lost_id: int
    unsorted_id: int | None = None
    stage_names: Mapping[int, str] = field(default_factory=dict)

    def following(self, status_id: int) -> tuple[int, ...]:
        """Working stages after `status_id` (all of them from the unsorted stage)."""
        if status_id in self.working:
            return self.working[self.working.index(status_id) + 1 :]
        return self.working if status_id == self.unsorted_id else ()

    def next_working(self, status_id: int) -> int | None:
        later = self.following(status_id)
        return later[0] if later else None


@dataclass(frozen=True)
class PipelinePlan:
    """The playbook's stage references resolved inside one pipeline."""

    layout: PipelineLayout
    new_status_ids: frozenset[int]
    take_to: Target | None
    outcome_moves: Mapping[OutcomeKind, Target | None]
    ladder_moves: tuple[Target | None, ...]


@dataclass(frozen=True)
class ResolvedPlaybook:
    playbook: Playbook
    pipelines: Mapping[int, PipelinePlan]
    loss_reason_names: Mapping[int, str] = field(default_factory=dict)
    offered_loss_reasons: tuple[int, ...] | None = None  # None: all
    ladder_loss_reasons: tuple[int | None, ...] = ()  # per ladder step
    skipped: tuple[str, ...] = ()  # pipelines `any` left out, with the reason
    rules: ResolvedRules | None = None  # hand-offs, linked deals, dates, recycling, NPS
    stuck_days: Mapping[int, int] = field(default_factory=dict)  # sla.stuck.stages by id

    def plan_for(self, pipeline_id: int) -> PipelinePlan | None:
        return self.pipelines.get(pipeline_id)
