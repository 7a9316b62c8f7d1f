"""The playbook model: the sales regulation as data, validated strictly (unknown keys fail).

Sections that later work fills in (SLA, schedules, distribution, hand-offs, linked deals, date
rules, recycling, guards) are reserved now as empty optional sections, so files stay valid as
they gain content.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time, timedelta
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from nextstep.bot.playbook.calls import LadderStep, Outcomes, TaskSpec
from nextstep.bot.playbook.durations import Due, DueKind
from nextstep.bot.playbook.refs import LossReasonOffer, PipelineScope, StageKeyword, StageRef
from nextstep.bot.playbook.sections.dates import DateRules
from nextstep.bot.playbook.sections.distribution import Distribution
from nextstep.bot.playbook.sections.guards import Guards
from nextstep.bot.playbook.sections.handoffs import Handoffs
from nextstep.bot.playbook.sections.linked import LinkedDeals
from nextstep.bot.playbook.sections.nps import Nps
from nextstep.bot.playbook.sections.recycling import Recycling
from nextstep.bot.playbook.sections.rule_common import RoleName
from nextstep.bot.playbook.sections.schedules import Schedules
from nextstep.bot.playbook.sections.sla import Sla
from nextstep.bot.playbook.texts import TextSpec


class _Section(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class TakeIntoWork(_Section):
    """A new deal lands on a manager; one press takes it into work (story 000)."""

    # Stages where a deal counts as new (not yet taken).
    new_stages: tuple[StageRef, ...] = (
        StageRef.of(StageKeyword.UNSORTED),
        StageRef.of(StageKeyword.FIRST_WORKING),
    )
    # Where the deal goes when taken; null keeps it where it is.
    move_to: StageRef | None = StageRef.of(StageKeyword.SECOND_WORKING)
    task: TaskSpec | None = None  # the "take into work" task set when the deal lands
    task_result: TextSpec = TextSpec.key("playbook.take.task_result")
    # The first call after taking; its text and type come from `call_task` unless given.
    first_call: TaskSpec | None = TaskSpec(due=Due.after(timedelta(minutes=15)))

    @field_validator("new_stages")
    @classmethod
    def _not_next(cls, refs: tuple[StageRef, ...]) -> tuple[StageRef, ...]:
        if not refs:
            raise ValueError("name at least one stage where new deals wait")
        if any(r.kind is StageKeyword.NEXT for r in refs):
            raise ValueError("`next` means nothing for a new deal; name the stages")
        return refs

    @field_validator("move_to")
    @classmethod
    def _move_not_closing(cls, ref: StageRef | None) -> StageRef | None:
        if ref is not None and ref.kind in (StageKeyword.WON, StageKeyword.LOST):
            raise ValueError("taking into work cannot close the deal")
        return ref


class CardFieldKind(StrEnum):
    CLIENT = "client"
    PHONE = "phone"
    SOURCE = "source"
    BUDGET = "budget"
    STAGE = "stage"
    TASK_DUE = "task_due"
    RESPONSIBLE = "responsible"


class CardField(_Section):
    """A line on a deal card: a built-in (`client`, `phone`, ...) or `{field: "Custom name"}`."""

    builtin: CardFieldKind | None = None
    field: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _from_word(cls, value: Any) -> Any:
        if isinstance(value, str):
            if value in set(CardFieldKind):
                return {"builtin": value}
            words = ", ".join(CardFieldKind)
            raise ValueError(f"unknown card field {value!r}: use {words} or {{field: Name}}")
        return value

    @model_validator(mode="after")
    def _one(self) -> CardField:
        if (self.builtin is None) == (self.field is None):
            raise ValueError("give a built-in field or {field: Name}")
        return self


DEFAULT_CARD_FIELDS = tuple(
    CardField(builtin=k)
    for k in (
        CardFieldKind.CLIENT,
        CardFieldKind.PHONE,
        CardFieldKind.SOURCE,
        CardFieldKind.BUDGET,
        CardFieldKind.STAGE,
        CardFieldKind.TASK_DUE,
    )
)


@dataclass(frozen=True)
class FullTask:
    text: TextSpec
    type: int
    due: Due


class Planned(_Section):
    """Reserved for a later part of the engine; accepted empty (`{}`) so files can name it."""


PLANNED_SECTIONS: tuple[str, ...] = ()


class Playbook(_Section):
    version: Literal[1] = 1
    name: str = Field(min_length=1)
    pipelines: PipelineScope = PipelineScope()
    working_morning: time = time(10, 0)  # what `next_working_morning` means, local time
    take_into_work: TakeIntoWork = TakeIntoWork()
    call_task: TaskSpec  # the template of every call task (text, type, due)
    outcomes: Outcomes
    no_answer_ladder: tuple[LadderStep, ...] = ()
    loss_reasons: LossReasonOffer = LossReasonOffer()
    card_fields: tuple[CardField, ...] = DEFAULT_CARD_FIELDS
    # Staff roles beyond manager/head/estimator/admin (rules' roles count without being listed).
    roles: tuple[RoleName, ...] = ()

    sla: Sla = Sla()
    schedules: Schedules = Schedules()
    distribution: Distribution = Distribution()
    handoffs: Handoffs | None = None
    linked_deals: LinkedDeals | None = None
    date_rules: DateRules | None = None
    recycling: Recycling | None = None
    nps: Nps | None = None
    guards: Guards = Guards()

    @field_validator("working_morning", mode="before")
    @classmethod
    def _yaml_sexagesimal(cls, value: Any) -> Any:
        # YAML 1.1 reads an unquoted 10:00 as the base-60 number 600.
        if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 24 * 60:
            return time(*divmod(value, 60))
        return value

    @field_validator("call_task")
    @classmethod
    def _complete_template(cls, task: TaskSpec) -> TaskSpec:
        if task.text is None or task.due is None:
            raise ValueError("call_task is the template of every call task: give text and due")
        if task.due.kind is DueKind.AT:
            raise ValueError("call_task.due: `at` needs a time typed by the manager")
        return task.over(TaskSpec(type=1))

    @model_validator(mode="after")
    def _no_answer_goes_somewhere(self) -> Playbook:
        no_answer = self.outcomes.no_answer
        if no_answer and not self.no_answer_ladder and no_answer.next_task is None:
            raise ValueError("outcomes.no_answer needs a next_task or a no_answer_ladder")
        if no_answer and self.no_answer_ladder and (no_answer.next_task or no_answer.move):
            raise ValueError(
                "outcomes.no_answer: with a no_answer_ladder the ladder sets the next task "
                "and the move; drop next_task/move here"
            )
        return self

    def task(self, spec: TaskSpec) -> FullTask:
        """`spec` completed from the call task template (which is complete, see above)."""
        merged = spec.over(self.call_task)
        if merged.text is None or merged.due is None or merged.type is None:
            raise ValueError("call_task lacks text or due")  # prevented by validation
        return FullTask(merged.text, merged.type, merged.due)

    def planned_sections(self) -> tuple[str, ...]:
        return tuple(n for n in PLANNED_SECTIONS if getattr(self, n) is not None)
