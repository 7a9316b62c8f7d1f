"""Durations ("10m", "2h", "1d", "1h30m") and task due rules as a head of sales writes them."""

from __future__ import annotations

import re
from datetime import timedelta
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, model_validator

_DURATION = re.compile(
    r"^(?:(?P<d>\d+)d)?(?:(?P<h>\d+)h)?(?:(?P<m>\d+)m(?:in)?)?(?:(?P<s>\d+)s)?$"
)
_DURATION_HINT = "expected a duration like 10m, 2h, 1d or 1h30m"


def parse_duration(value: object) -> timedelta:
    """Parse "1d2h30m" style text; a timedelta passes through unchanged."""
    if isinstance(value, timedelta):
        return value
    if not isinstance(value, str):
        raise ValueError(f"{_DURATION_HINT}, got {value!r}")
    match = _DURATION.match(value.replace(" ", "").lower())
    if match is None or not any(match.groupdict().values()):
        raise ValueError(f"{_DURATION_HINT}, got {value!r}")
    parts = {k: int(v) for k, v in match.groupdict().items() if v}
    return timedelta(
        days=parts.get("d", 0),
        hours=parts.get("h", 0),
        minutes=parts.get("m", 0),
        seconds=parts.get("s", 0),
    )


Duration = Annotated[timedelta, BeforeValidator(parse_duration)]


class DueKind(StrEnum):
    IN = "in"  # a fixed delay from the moment the rule fires
    NEXT_WORKING_MORNING = "next_working_morning"  # the manager's next working day, morning
    AT = "at"  # the moment the manager typed (only where the manager is asked for one)


class Due(BaseModel):
    """When a task is due: `2h`, `next_working_morning` or `at`."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: DueKind
    delay: timedelta = timedelta(0)

    @model_validator(mode="before")
    @classmethod
    def _from_text(cls, value: Any) -> Any:
        if isinstance(value, str):
            word = value.strip().lower()
            if word in (DueKind.NEXT_WORKING_MORNING, DueKind.AT):
                return {"kind": word}
            try:
                return {"kind": DueKind.IN, "delay": parse_duration(word)}
            except ValueError:
                raise ValueError(
                    f"{_DURATION_HINT}, or next_working_morning, or at; got {value!r}"
                ) from None
        if isinstance(value, timedelta):
            return {"kind": DueKind.IN, "delay": value}
        if isinstance(value, dict | Due):
            return value
        raise ValueError(f"{_DURATION_HINT}, or next_working_morning, or at; got {value!r}")

    @classmethod
    def after(cls, delay: timedelta) -> Due:
        return cls(kind=DueKind.IN, delay=delay)
