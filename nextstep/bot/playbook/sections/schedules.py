"""The `schedules` section: the default work schedule, holidays, and the day-off hand-over rule.

Each staff member may have their own schedule (stored per person, same shape as `default`);
whoever has none works the default. A schedule is weekly (days and hours) or a shift cycle such
as 2/2 from an anchor date, in the person's time zone, plus personal days off.
"""

from __future__ import annotations

from datetime import date, time
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, PositiveInt, field_validator, model_validator


class _Section(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Weekday(StrEnum):
    MON = "mon"
    TUE = "tue"
    WED = "wed"
    THU = "thu"
    FRI = "fri"
    SAT = "sat"
    SUN = "sun"

    @property
    def number(self) -> int:
        """Monday 0 … Sunday 6, as `date.weekday()` counts."""
        return list(Weekday).index(self)


class Hours(_Section):
    """`"09:00-18:00"`; an end at or before the start runs past midnight (`"20:00-08:00"`)."""

    start: time
    end: time

    @model_validator(mode="before")
    @classmethod
    def _from_text(cls, value: Any) -> Any:
        if isinstance(value, str):
            parts = value.replace(" ", "").split("-")
            try:
                start, end = (time.fromisoformat(p) for p in parts)
            except ValueError:
                raise ValueError(f'expected hours like "09:00-18:00", got {value!r}') from None
            return {"start": start, "end": end}
        return value

    def text(self) -> str:
        return f"{self.start:%H:%M}-{self.end:%H:%M}"


class Cycle(_Section):
    """Shift cycles: `on` working days then `off` days off, counted from `anchor` (a first
    working day)."""

    on: PositiveInt
    off: PositiveInt
    anchor: date

    @model_validator(mode="before")
    @classmethod
    def _from_pattern(cls, value: Any) -> Any:
        if isinstance(value, dict) and "pattern" in value:
            rest = {k: v for k, v in value.items() if k != "pattern"}
            try:
                on, off = (int(x) for x in str(value["pattern"]).split("/"))
            except ValueError:
                raise ValueError(
                    f"expected a pattern like 2/2, got {value['pattern']!r}"
                ) from None
            return {"on": on, "off": off, **rest}
        return value


class ScheduleSpec(_Section):
    """One person's schedule (or the default)."""

    timezone: str = "Europe/Moscow"
    days: tuple[Weekday, ...] = (Weekday.MON, Weekday.TUE, Weekday.WED, Weekday.THU, Weekday.FRI)
    hours: Hours = Hours(start=time(9, 0), end=time(18, 0))
    weekly: dict[Weekday, Hours] | None = None  # per-day hours; overrides days/hours
    cycle: Cycle | None = None  # overrides days/weekly
    days_off: tuple[date, ...] = ()

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r} (e.g. Europe/Moscow)") from None
        return value

    def weekly_hours(self) -> dict[int, Hours]:
        """Working hours by weekday index (Monday 0) for a weekly schedule."""
        if self.weekly is not None:
            return {day.number: hours for day, hours in self.weekly.items()}
        return {day.number: self.hours for day in self.days}


class Schedules(_Section):
    default: ScheduleSpec = ScheduleSpec()
    holidays: tuple[date, ...] = ()  # nobody works (unless a cycle says otherwise: see below)
    holidays_stop_cycles: bool = False  # shift workers (2/2) usually work on holidays
    # A task due while its manager is off more than this many days: the head hands it over.
    handover_after_days: PositiveInt = 2
