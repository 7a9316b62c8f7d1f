"""The `linked_deals` section: a deal closing (or reaching a stage) starts one in another pipeline.

Story 004's chain, by payment type: prepayment → Money, then Training when paid, then a Repeat
sale when training closes; postpayment → Money and Training at once; advance → Money (advance),
then Money (rest) + Training. Each rule copies the fields it names, so they travel from
department to department intact, and links the new deal to the one it came from.

```yaml
linked_deals:
  - name: prepay_money
    from: Продажи                  # the pipeline the rule watches
    when: won                      # won | lost | {stage: "Счёт выставлен"}
    where: {"Тип оплаты": "Предоплата"}
    create:
      pipeline: Деньги
      stage: first_working         # default
      name: "Оплата: {deal}"
      budget: true                 # copy the budget (default); false: none
      # budget: {field: "Сумма аванса"}              the number in that field of the deal
      # budget: {minus_field: "Сумма аванса"}        the deal's budget minus that field
      # budget: {field: "Сумма договора", minus_field: "Сумма аванса"}   one minus the other
      copy_budget_to: "Сумма договора"   # also keep the deal's budget in this field
      set: {"Вид платежа": "Полная оплата"}
    copy_fields: ["Тип оплаты", "ИНН"]
    responsible: {role: accountant}   # same | another_manager | {role: R} | {user: ID}
    task: {text: "Выставить счёт", due: 1d}
```
A split never goes below 0. When a field it reads is empty (or not a number) on the deal, the
new deal gets the full budget and its task and a note say which field was empty: a visible
"check the sum" rather than a silent 0.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from nextstep.bot.playbook.calls import TaskSpec
from nextstep.bot.playbook.refs import StageKeyword, StageRef
from nextstep.bot.playbook.sections.rule_common import (
    Builtin,
    DealField,
    Responsible,
    RuleName,
    Scalar,
    Where,
    check_unique,
    rules_from_list,
)
from nextstep.bot.playbook.texts import TextSpec


class _Section(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class BudgetSplit(_Section):
    """A budget taken from the source deal's numeric custom fields (story 004's advance and
    rest), so a head reads the split in the file: `{field: X}`, `{minus_field: X}` or both."""

    enabled: bool = True  # `budget: true/false` (copy the source's budget, or leave it empty)
    field: str | None = Field(default=None, min_length=1)  # instead of the source's budget
    minus_field: str | None = Field(default=None, min_length=1)  # subtracted, never below 0

    @model_validator(mode="before")
    @classmethod
    def _from_bool(cls, value: Any) -> Any:
        if isinstance(value, bool):
            return {"enabled": value}
        return value

    @model_validator(mode="after")
    def _custom_fields(self) -> BudgetSplit:
        for key, name in (("field", self.field), ("minus_field", self.minus_field)):
            if name is not None and name.strip() in set(Builtin):
                raise ValueError(
                    f"budget.{key}: {name!r} is a built-in; name a numeric custom field "
                    'as the CRM shows it (e.g. "Сумма аванса")'
                )
        if not self.enabled and self.split:
            raise ValueError("budget: give `false` or a split ({field: ...}), not both")
        if self.field is not None and self.field == self.minus_field:
            raise ValueError("budget: `field` and `minus_field` name the same field (always 0)")
        return self

    @property
    def split(self) -> bool:
        return self.field is not None or self.minus_field is not None

    def fields(self) -> tuple[str, ...]:
        return tuple(n for n in (self.field, self.minus_field) if n is not None)


class NewDealSpec(_Section):
    """The deal to create: where, its name, budget, and fixed field values."""

    pipeline: str = Field(min_length=1)
    stage: StageRef = StageRef.of(StageKeyword.FIRST_WORKING)
    name: TextSpec = TextSpec(text="{deal}")
    budget: BudgetSplit = BudgetSplit()
    copy_budget_to: str | None = Field(default=None, min_length=1)  # a numeric custom field
    set: Mapping[str, Scalar] = {}

    @model_validator(mode="after")
    def _open_stage(self) -> NewDealSpec:
        if self.stage.kind in (StageKeyword.NEXT, StageKeyword.WON, StageKeyword.LOST):
            raise ValueError("a new deal starts on a working stage (or unsorted)")
        if self.stage.pipeline is not None:
            raise ValueError("the stage is in `pipeline` above; drop its own `pipeline`")
        if self.copy_budget_to is not None:
            if self.copy_budget_to.strip() in set(Builtin):
                raise ValueError("copy_budget_to: name a numeric custom field, not a built-in")
            if self.copy_budget_to in self.set:
                raise ValueError(f"{self.copy_budget_to!r} is both in `set` and copy_budget_to")
        return self


class LinkedRule(_Section):
    name: RuleName
    from_: str = Field(alias="from", min_length=1)
    when: StageRef
    where: Where = Where()
    create: NewDealSpec
    copy_fields: tuple[DealField, ...] = ()
    responsible: Responsible = Responsible()
    task: TaskSpec | None = None  # the first task on the new deal, for its responsible

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

    @model_validator(mode="after")
    def _trigger(self) -> LinkedRule:
        if self.when.kind in (StageKeyword.NEXT, StageKeyword.UNSORTED):
            raise ValueError("`when` is won, lost or a named stage")
        if self.when.pipeline is not None:
            raise ValueError("the stage is in `from`; drop its own `pipeline`")
        return self


class LinkedDeals(_Section):
    rules: tuple[LinkedRule, ...] = ()

    @model_validator(mode="before")
    @classmethod
    def _from_list(cls, value: Any) -> Any:
        return rules_from_list(value)

    @model_validator(mode="after")
    def _unique(self) -> LinkedDeals:
        check_unique([r.name for r in self.rules], "linked-deal rule")
        return self
