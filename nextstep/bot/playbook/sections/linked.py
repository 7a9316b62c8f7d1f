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
      budget: true                 # copy the budget (default)
      set: {"Вид платежа": "Полная оплата"}
    copy_fields: ["Тип оплаты", "ИНН"]
    responsible: {role: accountant}   # same | another_manager | {role: R} | {user: ID}
    task: {text: "Выставить счёт", due: 1d}
```
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from nextstep.bot.playbook.calls import TaskSpec
from nextstep.bot.playbook.refs import StageKeyword, StageRef
from nextstep.bot.playbook.sections.rule_common import (
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


class NewDealSpec(_Section):
    """The deal to create: where, its name, budget, and fixed field values."""

    pipeline: str = Field(min_length=1)
    stage: StageRef = StageRef.of(StageKeyword.FIRST_WORKING)
    name: TextSpec = TextSpec(text="{deal}")
    budget: bool = True
    set: Mapping[str, Scalar] = {}

    @model_validator(mode="after")
    def _open_stage(self) -> NewDealSpec:
        if self.stage.kind in (StageKeyword.NEXT, StageKeyword.WON, StageKeyword.LOST):
            raise ValueError("a new deal starts on a working stage (or unsorted)")
        if self.stage.pipeline is not None:
            raise ValueError("the stage is in `pipeline` above; drop its own `pipeline`")
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
