"""Texts inside effects: a playbook-written template or an i18n key, with its parameters.

The engine never holds UI language; the executor renders a `Text` in the recipient's locale
(a datetime parameter in the recipient's timezone, a bare date as a day: "12 марта", a `Span`
as a distance: "через 3 дня", "сегодня", "2 месяца назад").
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime

from nextstep.bot.playbook.texts import TextSpec


@dataclass(frozen=True)
class Span:
    """How far a date is from today, in calendar months and days: positive ahead ("in 3
    days"), negative behind ("2 months ago"), zero today."""

    months: int = 0
    days: int = 0


ParamValue = str | int | float | datetime | date | Span


@dataclass(frozen=True)
class Text:
    template: str | None = None  # written in the playbook, used as is
    key: str | None = None  # an i18n message key
    params: tuple[tuple[str, ParamValue], ...] = ()

    @classmethod
    def from_spec(cls, spec: TextSpec, params: Mapping[str, ParamValue]) -> Text:
        return cls(template=spec.text, key=spec.msg, params=tuple(sorted(params.items())))

    def params_dict(self) -> dict[str, ParamValue]:
        return dict(self.params)
