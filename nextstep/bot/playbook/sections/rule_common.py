"""Pieces the hand-off, linked-deal, date, recycling and NPS sections share.

- `DealField`: a deal value a rule reads or copies: a built-in (`budget`, `name`, `client`,
  `phone`, `source`) or a custom field by the name the CRM shows (`{field: "Площадь"}`).
- `Where`: a condition on the deal's fields (`{"Тип оплаты": "Предоплата"}`).
- `Responsible`: who gets a new deal or task: `same`, `another_manager`, `{role: accountant}`,
  `{user: 123}`.
- `Offset`: a signed distance from a date (`-3d`, `0d`, `2mo`), calendar months included.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, PlainValidator, PositiveInt, model_validator

from nextstep.bot.playbook.durations import parse_duration

NAME_PATTERN = r"^[a-z][a-z0-9_]*$"
RuleName = Annotated[str, Field(pattern=NAME_PATTERN, max_length=40)]
RoleName = Annotated[str, Field(pattern=NAME_PATTERN, max_length=40)]


class _Section(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Builtin(StrEnum):
    """Deal values every CRM has, read from the deal itself rather than a custom field."""

    BUDGET = "budget"
    NAME = "name"
    CLIENT = "client"
    PHONE = "phone"
    SOURCE = "source"


class DealField(_Section):
    """`budget` (a built-in), `"Площадь"` / `{field: "Площадь"}` (a custom field by name)."""

    builtin: Builtin | None = None
    field: str | None = Field(default=None, min_length=1)
    required: bool = False
    label: str | None = None  # what the card calls it (default: the field's name)

    @model_validator(mode="before")
    @classmethod
    def _from_word(cls, value: Any) -> Any:
        if isinstance(value, str):
            if value in set(Builtin):
                return {"builtin": value}
            return {"field": value}
        return value

    @model_validator(mode="after")
    def _one(self) -> DealField:
        if (self.builtin is None) == (self.field is None):
            raise ValueError("give a built-in (budget, name, client, phone, source) or field")
        return self

    @property
    def key(self) -> str:
        """How the engine and the effects name it: the custom field's name, or `@budget`."""
        return self.field if self.field is not None else f"@{self.builtin}"

    @property
    def title(self) -> str:
        return self.label or self.field or str(self.builtin)


def norm(value: object) -> str:
    """Case- and space-insensitive form used to compare names and field values."""
    return " ".join(str(value).split()).casefold()


def is_blank(value: object) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, list | tuple | set | frozenset):
        return not value
    return False


Scalar = str | int | float | bool


class Where(_Section):
    """Each listed field must match: a value (equal, ignoring case), a list (one of them),
    `true` (filled in) or `false` (empty)."""

    fields: Mapping[str, Scalar | tuple[Scalar, ...]] = {}

    @model_validator(mode="before")
    @classmethod
    def _from_mapping(cls, value: Any) -> Any:
        if isinstance(value, dict) and "fields" not in value:
            return {
                "fields": {k: tuple(v) if isinstance(v, list) else v for k, v in value.items()}
            }
        return value

    def matches(self, values: Mapping[str, object]) -> bool:
        return all(_match(values.get(name), want) for name, want in self.fields.items())

    def describe(self) -> str:
        return ", ".join(f"{k}={v}" for k, v in self.fields.items()) or "always"


def _match(have: object, want: Scalar | tuple[Scalar, ...]) -> bool:
    if isinstance(want, bool):
        return want != is_blank(have)
    if is_blank(have):
        return False
    wanted = want if isinstance(want, tuple) else (want,)
    return norm(have) in {norm(w) for w in wanted}


class ResponsibleKind(StrEnum):
    SAME = "same"  # the deal's responsible
    ANOTHER_MANAGER = "another_manager"  # distribution among managers, not the current one
    ROLE = "role"  # distribution among the people of a role
    USER = "user"  # a fixed CRM user


class Responsible(_Section):
    """`same`, `another_manager`, `{role: accountant}` or `{user: 4501}`."""

    kind: ResponsibleKind = ResponsibleKind.SAME
    role: str | None = Field(default=None, pattern=NAME_PATTERN)
    user: PositiveInt | None = None

    @model_validator(mode="before")
    @classmethod
    def _from_word(cls, value: Any) -> Any:
        if isinstance(value, str):
            if value in (ResponsibleKind.SAME, ResponsibleKind.ANOTHER_MANAGER):
                return {"kind": value}
            raise ValueError(
                f"unknown responsible {value!r}: use same, another_manager, "
                "{role: NAME} or {user: CRM_USER_ID}"
            )
        if isinstance(value, dict) and "kind" not in value:
            if "role" in value:
                return {"kind": ResponsibleKind.ROLE, **value}
            if "user" in value:
                return {"kind": ResponsibleKind.USER, **value}
        return value

    @model_validator(mode="after")
    def _complete(self) -> Responsible:
        if (self.kind is ResponsibleKind.ROLE) != (self.role is not None):
            raise ValueError("`role` goes with {role: NAME}")
        if (self.kind is ResponsibleKind.USER) != (self.user is not None):
            raise ValueError("`user` goes with {user: CRM_USER_ID}")
        return self


_OFFSET = re.compile(r"^(?P<sign>[+-]?)(?:(?P<mo>\d+)mo)?(?P<rest>.*)$")


@dataclass(frozen=True)
class Offset:
    """A signed distance from a date: whole calendar months, then a duration."""

    months: int = 0
    delta: timedelta = timedelta(0)

    def label(self) -> str:
        if self.months == 0 and self.delta == timedelta(0):
            return "0d"
        sign = "-" if self.months < 0 or self.delta < timedelta(0) else "+"
        months = f"{abs(self.months)}mo" if self.months else ""
        delta = abs(self.delta)
        days = f"{delta.days}d" if delta.days else ""
        secs = delta.seconds
        hours = f"{secs // 3600}h" if secs // 3600 else ""
        mins = f"{secs % 3600 // 60}m" if secs % 3600 // 60 else ""
        return f"{sign}{months}{days}{hours}{mins}"

    def apply(self, moment: datetime) -> datetime:
        return add_months(moment, self.months) + self.delta

    def apply_date(self, day: date) -> date:
        shifted = add_months(datetime(day.year, day.month, day.day), self.months)  # noqa: DTZ001
        return (shifted + self.delta).date()


def add_months(moment: datetime, months: int) -> datetime:
    """The same day `months` later (the month's last day when it is shorter)."""
    if months == 0:
        return moment
    index = moment.year * 12 + moment.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    days_in = [31, 29 if _leap(year) else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
    return moment.replace(year=year, month=month, day=min(moment.day, days_in[month - 1]))


def _leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def parse_offset(value: object) -> Offset:
    """`-3d`, `0d`, `+1d12h`, `2mo`, `-1mo15d`; an Offset passes through."""
    if isinstance(value, Offset):
        return value
    hint = "expected an offset like -3d, 0d, 1d, 2mo or -1mo15d"
    if isinstance(value, int) and not isinstance(value, bool) and value == 0:
        return Offset()
    if not isinstance(value, str):
        raise ValueError(f"{hint}, got {value!r}")
    match = _OFFSET.match(value.replace(" ", "").lower())
    if match is None:
        raise ValueError(f"{hint}, got {value!r}")
    sign = -1 if match["sign"] == "-" else 1
    months = int(match["mo"] or 0)
    rest = match["rest"]
    try:
        delta = parse_duration(rest) if rest else timedelta(0)
    except ValueError:
        raise ValueError(f"{hint}, got {value!r}") from None
    if not months and not rest:
        raise ValueError(f"{hint}, got {value!r}")
    return Offset(months=sign * months, delta=sign * delta)


OffsetValue = Annotated[Offset, PlainValidator(parse_offset)]


def rules_from_list(value: Any) -> Any:
    """A section written as a plain list means its `rules`."""
    if isinstance(value, list | tuple):
        return {"rules": tuple(value)}
    return value


def check_unique(names: list[str], what: str) -> None:
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise ValueError(f"{what} names must be unique: {', '.join(dupes)}")
