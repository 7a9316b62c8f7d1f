"""The `handoffs` section: a deal handed to a role with the fields it needs (stories 002, 003).

The design studio's manager only fills fields; when the design project is ready the estimators
get a card with area, address, budget and links, and the deal cannot pass the stage until the
required ones are filled. The quest rooms hand a booked game to the location's administrator.

```yaml
handoffs:
  - name: estimate
    title: "Смета по дизайн-проекту"
    when: {stage: {pipeline: Дизайн, stage: "Дизайн-проект готов"}}
    # or: when: {task_result: "Замер выполнен"}   (a task completed with this in its result)
    to: estimator                  # a staff role
    pick: all                      # all of the role, or `one` (chosen by distribution)
    group_by: "Локация"            # optional: only the role's people of the deal's location,
    groups: {"Лофт": [4601], "Центр": [4602, 4603]}   # by the field's value: CRM user ids
    fields:
      - {field: "Площадь, м²", required: true}
      - {builtin: budget, required: true}
      - "Комментарий менеджера"
    hold: true                     # missing required fields: the deal goes back until filled
    accept_task: {text: "Составить смету: {deal}", due: 1d}
    ready:
      move: next                   # or {stage: Смета}
      result: "Смета готова"
      manager_task: {text: "Позвонить клиенту: смета готова", due: 2h}
    accept_within: 30m             # unaccepted this long: `escalate_to` is told
    escalate_to: head
```
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, PositiveInt, model_validator

from nextstep.bot.playbook.calls import TaskSpec
from nextstep.bot.playbook.durations import Duration
from nextstep.bot.playbook.refs import StageKeyword, StageRef
from nextstep.bot.playbook.sections.rule_common import (
    DealField,
    RoleName,
    RuleName,
    check_unique,
    norm,
    rules_from_list,
)
from nextstep.bot.playbook.texts import TextSpec


class _Section(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Pick(StrEnum):
    ALL = "all"  # every person of the role gets the card; the first to accept takes it
    ONE = "one"  # distribution chooses one person of the role


class HandoffTrigger(_Section):
    """`{stage: ...}` (the deal enters it) or `{task_result: "..."}` (a task done with it)."""

    stage: StageRef | None = None
    task_result: str | None = Field(default=None, min_length=1)

    @model_validator(mode="after")
    def _one(self) -> HandoffTrigger:
        if (self.stage is None) == (self.task_result is None):
            raise ValueError("give `stage` or `task_result`")
        if self.stage is not None and self.stage.kind not in (None, StageKeyword.WON):
            raise ValueError("name the stage (`{stage: ...}` or `{position: N}`), or `won`")
        return self


class ReadyStep(_Section):
    """What "Estimate ready" does: the deal moves on, the manager is asked to call the client."""

    move: StageRef | None = StageRef.of(StageKeyword.NEXT)
    result: TextSpec = TextSpec(text="Готово")  # the result of the role's task
    manager_task: TaskSpec | None = TaskSpec(
        text=TextSpec(text="Позвонить клиенту: «{deal}» готово"), due=timedelta(hours=2)
    )


class Handoff(_Section):
    name: RuleName
    title: str = Field(min_length=1)
    when: HandoffTrigger
    to: RoleName
    pick: Pick = Pick.ALL
    group_by: str | None = Field(default=None, min_length=1)
    # The role's people per value of `group_by` (CRM user ids); a value not listed: all of them.
    groups: Mapping[str, tuple[PositiveInt, ...]] = {}
    fields: tuple[DealField, ...] = ()
    hold: bool = True
    accept_task: TaskSpec = TaskSpec(text=TextSpec(text="Взять в работу: {deal}"))
    ready: ReadyStep = ReadyStep()
    accept_within: Duration | None = timedelta(minutes=30)
    escalate_to: RoleName = "head"

    @model_validator(mode="after")
    def _groups_need_group_by(self) -> Handoff:
        if self.groups and self.group_by is None:
            raise ValueError("`groups` split the role by a field: give `group_by` too")
        return self

    def required(self) -> tuple[DealField, ...]:
        return tuple(f for f in self.fields if f.required)

    def group_members(self, value: str | None) -> frozenset[int] | None:
        """The CRM users of the deal's group; None when the hand-off goes to the whole role."""
        if value is None or not self.groups:
            return None
        wanted = norm(value)
        for name, members in self.groups.items():
            if norm(name) == wanted:
                return frozenset(members)
        return None


class Handoffs(_Section):
    """A list of hand-offs; names are unique (buttons and timers refer to them)."""

    rules: tuple[Handoff, ...] = ()

    @model_validator(mode="before")
    @classmethod
    def _from_list(cls, value: Any) -> Any:
        return rules_from_list(value)

    @model_validator(mode="after")
    def _unique(self) -> Handoffs:
        check_unique([r.name for r in self.rules], "hand-off")
        return self

    def get(self, name: str) -> Handoff | None:
        return next((r for r in self.rules if r.name == name), None)
