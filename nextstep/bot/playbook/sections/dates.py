"""The `date_rules` section: reminders relative to a date field or to the deal's closing.

Story 000: 3 days and 1 day before the next installment, and on the day, the account manager gets
a payment-reminder task and a card. Story 003: 2 months after the game, if the client has not
booked again, an invitation (a Salesbot message, or a task). Reminders are recomputed when the
date changes and each fires once.

```yaml
date_rules:
  - name: payment_reminder
    label: "Оплата рассрочки"      # what the reminder says (default: the date field's name)
    pipelines: ["Сопровождение"]   # default: the playbook's pipelines
    date: {field: "Дата следующего платежа"}   # or {event: won} (the day the deal was won)
    offsets: [-3d, -1d, 0d]        # signed; months too: 2mo
    at: "10:00"                    # local time on that day (default: the date's own time)
    where: {"Рассрочка": true}
    unless_newer_deal: false       # skip when the client has a deal created after this one
    task: {text: "Напомнить об оплате {date}", due: 4h}   # {date}: the day, "12 марта"
    notify: responsible            # responsible | {role: R} | none
    salesbot: 1234                 # optional
```
The person reads "📅 Оплата рассрочки: через 3 дня (12 марта) — сделка «…»": the rule's `label`
(else the field's name, or "the deal was won …" for an event), never its `name` or offset.
"""

from __future__ import annotations

from datetime import time
from enum import StrEnum
from typing import Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PositiveInt,
    field_validator,
    model_validator,
)

from nextstep.bot.playbook.calls import TaskSpec
from nextstep.bot.playbook.sections.rule_common import (
    OffsetValue,
    RoleName,
    RuleName,
    Where,
    check_unique,
    rules_from_list,
)


class _Section(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class AnchorEvent(StrEnum):
    WON = "won"  # the deal's closed_at, when it is won
    CLOSED = "closed"  # closed_at, won or lost
    CREATED = "created"


class Anchor(_Section):
    """`{field: "Дата игры"}` or `{event: won}`."""

    field: str | None = Field(default=None, min_length=1)
    event: AnchorEvent | None = None

    @model_validator(mode="after")
    def _one(self) -> Anchor:
        if (self.field is None) == (self.event is None):
            raise ValueError(
                "give `field` (a date field's name) or `event` (won, closed, created)"
            )
        return self

    def describe(self) -> str:
        return f"field {self.field!r}" if self.field else f"event {self.event}"


class NotifyWho(_Section):
    """`responsible`, `{role: R}` or `none`."""

    responsible: bool = False
    role: RoleName | None = None

    @model_validator(mode="before")
    @classmethod
    def _from_word(cls, value: Any) -> Any:
        if value == "responsible":
            return {"responsible": True}
        if value in ("none", None, False):
            return {}
        if isinstance(value, str):
            raise ValueError("expected responsible, none or {role: NAME}")
        return value

    @property
    def anyone(self) -> bool:
        return self.responsible or self.role is not None


class DateRule(_Section):
    name: RuleName
    label: str | None = Field(default=None, min_length=1, max_length=80)  # what people read
    pipelines: tuple[str, ...] | None = None
    date: Anchor
    offsets: tuple[OffsetValue, ...]
    at: time | None = None
    where: Where = Where()
    unless_newer_deal: bool = False
    task: TaskSpec | None = None
    notify: NotifyWho = NotifyWho(responsible=True)
    salesbot: PositiveInt | None = None

    @field_validator("at", mode="before")
    @classmethod
    def _yaml_sexagesimal(cls, value: Any) -> Any:
        if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 24 * 60:
            return time(*divmod(value, 60))
        return value

    @field_validator("pipelines", mode="before")
    @classmethod
    def _one_name(cls, value: Any) -> Any:
        return (value,) if isinstance(value, str) else value

    @model_validator(mode="after")
    def _does_something(self) -> DateRule:
        if not self.offsets:
            raise ValueError("give at least one offset (e.g. [-3d, -1d, 0d])")
        labels = [o.label() for o in self.offsets]
        if len(set(labels)) != len(labels):
            raise ValueError("offsets repeat")
        if self.task is None and not self.notify.anyone and self.salesbot is None:
            raise ValueError("a date rule needs a task, notify or salesbot (else it does nothing)")
        return self


class DateRules(_Section):
    rules: tuple[DateRule, ...] = ()

    @model_validator(mode="before")
    @classmethod
    def _from_list(cls, value: Any) -> Any:
        return rules_from_list(value)

    @model_validator(mode="after")
    def _unique(self) -> DateRules:
        check_unique([r.name for r in self.rules], "date rule")
        return self
