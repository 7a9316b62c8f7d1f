"""The `recycling` section: lost deals worked again, by loss reason (story 001).

Short-term refusals ("not now") go to another manager in the same pipeline, who is more likely
to close than the one who heard the "no"; long-term ones are copied to a reactivation pipeline
for another manager.

```yaml
recycling:
  - name: short_term
    pipelines: [Sales]             # default: the playbook's pipelines
    reasons: ["Not now", "Thinking"]
    action: new_deal               # new_deal (a copy; the lost deal stays lost) | reassign
    pipeline: same                 # or "Reactivation"
    stage: first_working
    responsible: another_manager
    copy_fields: ["Course"]
    task: {text: "Re-work a short-term refusal: {deal}", due: 1d}
```
Either way the lost deal's open tasks are completed (stale: the new manager gets exactly one next
step, the rule's `task`). `reassign` reopens the lost deal itself in place (stage + new
responsible); it conflicts with the `closed_stage` guard, so accounts that forbid moves out of
lost use `new_deal`.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from nextstep.bot.playbook.calls import TaskSpec
from nextstep.bot.playbook.refs import StageKeyword, StageRef
from nextstep.bot.playbook.sections.rule_common import (
    DealField,
    Responsible,
    ResponsibleKind,
    RuleName,
    Scalar,
    Where,
    check_unique,
    norm,
    rules_from_list,
)
from nextstep.bot.playbook.texts import TextSpec

SAME = "same"


class _Section(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class RecycleAction(StrEnum):
    NEW_DEAL = "new_deal"
    REASSIGN = "reassign"


class RecycleRule(_Section):
    name: RuleName
    pipelines: tuple[str, ...] | None = None
    reasons: tuple[str, ...]
    where: Where = Where()  # e.g. {"Recycled": false}, so a copy is not recycled forever
    action: RecycleAction = RecycleAction.NEW_DEAL
    pipeline: str = Field(default=SAME, min_length=1)
    stage: StageRef = StageRef.of(StageKeyword.FIRST_WORKING)
    responsible: Responsible = Responsible(kind=ResponsibleKind.ANOTHER_MANAGER)
    name_template: TextSpec = Field(default=TextSpec(text="{deal}"), alias="deal_name")
    copy_fields: tuple[DealField, ...] = ()
    set: Mapping[str, Scalar] = {}  # fixed values on the copy (mark it as recycled)
    task: TaskSpec | None = None
    note: TextSpec | None = None  # written on the lost deal

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

    @field_validator("pipelines", "reasons", mode="before")
    @classmethod
    def _one_name(cls, value: Any) -> Any:
        return (value,) if isinstance(value, str) else value

    @model_validator(mode="after")
    def _sense(self) -> RecycleRule:
        if not self.reasons:
            raise ValueError("name at least one loss reason")
        if self.stage.kind in (StageKeyword.NEXT, StageKeyword.WON, StageKeyword.LOST):
            raise ValueError("a recycled deal goes to a working stage (or unsorted)")
        if self.stage.pipeline is not None:
            raise ValueError("the stage is in `pipeline`; drop its own `pipeline`")
        if self.action is RecycleAction.REASSIGN and self.pipeline != SAME:
            raise ValueError("`reassign` reopens the deal in its own pipeline: use `new_deal`")
        if self.action is RecycleAction.REASSIGN and (self.copy_fields or self.set):
            raise ValueError(
                "`copy_fields` and `set` are for `new_deal` (a reassigned deal keeps its own)"
            )
        return self


class Recycling(_Section):
    rules: tuple[RecycleRule, ...] = ()

    @model_validator(mode="before")
    @classmethod
    def _from_list(cls, value: Any) -> Any:
        return rules_from_list(value)

    @model_validator(mode="after")
    def _unique(self) -> Recycling:
        check_unique([r.name for r in self.rules], "recycling rule")
        seen: set[tuple[str, str]] = set()
        for rule in self.rules:
            scope = ",".join(rule.pipelines or ("*",))
            for reason in rule.reasons:
                key = (norm(reason), scope)
                if key in seen:
                    raise ValueError(f"loss reason {reason!r} is in two recycling rules")
                seen.add(key)
        return self
