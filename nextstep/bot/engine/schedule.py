"""Work schedules in the person's time zone: who is on shift, and when a task may fall due.

Story 002 routes new leads only to managers on shift, moves a task that falls on a day off to the
manager's next working day and tells the head when a manager is off more than two days; story 003
has managers on 2/2 shifts. Everything here is pure: a `Schedule` (plain data that round-trips
through a dict, JSON and YAML) and functions of it and an aware datetime.

Model:
- A *shift* belongs to the local day it starts on. Hours whose end is at or before the start run
  past midnight ("20:00-08:00" is Friday 20:00 to Saturday 08:00); "00:00-24:00" is a whole day.
- A *working day* has at least one shift by the pattern (weekly hours or a shift cycle) and is not
  a personal day off nor a holiday. Holidays stop weekly schedules; shift cycles work through them
  unless `holidays_stop_cycles` (shift workers in quest rooms and showrooms usually do), the same
  rule the playbook's `schedules` section states.
- Local wall times are fixed, real durations follow the zone: a 20:00-08:00 shift lasts 11 hours
  on Europe/Berlin's spring-forward night and 13 on the autumn one. A start inside a DST gap
  (02:30 on the spring night) moves forward by the gap (03:30); an ambiguous time takes its first
  occurrence.

The dict shape accepts what a playbook writes (and what the playbook's `ScheduleSpec` dumps):

    timezone: Europe/Moscow
    weekly: {mon-fri: "09:00-18:00", sat: ["10:00-14:00", "15:00-18:00"]}
    # or: days: [mon, tue, wed, thu, fri]  +  hours: "09:00-18:00"
    # or: cycle: {pattern: 2/2, anchor: 2026-03-02}  +  hours: "09:00-21:00"
    #     cycle: {on_days: 2, off_days: 2, anchor: 2026-03-02, start: "09:00", end: "21:00"}
    days_off: [2026-05-04, 2026-05-05]
    holidays: [2026-05-01]
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    field_serializer,
    field_validator,
    model_serializer,
    model_validator,
)

WEEKDAY_KEYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_WEEKDAY_ALIASES: dict[str, int] = {
    **{k: i for i, k in enumerate(WEEKDAY_KEYS)},
    **{k: i for i, k in enumerate(("пн", "вт", "ср", "чт", "пт", "сб", "вс"))},
    **{
        k: i
        for i, k in enumerate(
            ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
        )
    },
}
_DEFAULT_HOURS = "09:00-18:00"

Interval = tuple[datetime, datetime]
"""A concrete shift: aware start (inclusive) and end (exclusive) in the schedule's zone.
Subtract them in UTC for real hours: Python subtracts same-zone datetimes by the wall clock."""


def _parse_clock(text: str, *, end: bool = False) -> time:
    """ "9", "9:00", "09:00", "09:00:00"; "24:00" only as an end (midnight after the day)."""
    t = text.strip()
    if end and t in ("24", "24:00"):
        return time(0, 0)
    if t.isdigit():
        t = f"{int(t):02d}:00"
    elif len(t.split(":")[0]) == 1:
        t = "0" + t
    try:
        return time.fromisoformat(t)
    except ValueError:
        raise ValueError(f'expected a time like "09:00", got {text!r}') from None


def _clock_text(t: time) -> str:
    return f"{t:%H:%M}"


class Hours(BaseModel):
    """Working hours within a day, "09:00-18:00"; an end at or before the start runs past
    midnight. Dumps as the same text."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    start: time
    end: time

    @model_validator(mode="before")
    @classmethod
    def _from_text(cls, value: Any) -> Any:
        if isinstance(value, str):
            parts = value.replace(" ", "").replace("–", "-").split("-")
            if len(parts) != 2:
                raise ValueError(f'expected hours like "09:00-18:00", got {value!r}')
            return {"start": _parse_clock(parts[0]), "end": _parse_clock(parts[1], end=True)}
        if isinstance(value, list | tuple) and len(value) == 2:
            return {"start": value[0], "end": value[1]}
        if isinstance(value, Mapping) and isinstance(value.get("end"), str):
            return {**value, "end": _parse_clock(value["end"], end=True)}
        return value

    @model_serializer
    def _as_text(self) -> str:
        return self.text()

    def text(self) -> str:
        end = "24:00" if self.end == time(0) and self.start == time(0) else _clock_text(self.end)
        return f"{_clock_text(self.start)}-{end}"

    @property
    def overnight(self) -> bool:
        return self.end <= self.start

    def on(self, day: date, tz: ZoneInfo) -> Interval:
        """The concrete shift when these hours start on `day`."""
        end_day = day + timedelta(days=1) if self.overnight else day
        return local_datetime(day, self.start, tz), local_datetime(end_day, self.end, tz)


def _weekday_keys(key: str) -> list[int]:
    """ "mon" → [0]; "mon-fri" → [0..4]; "fri-mon" wraps → [4, 5, 6, 0]; "daily" → all."""
    k = key.strip().lower()
    if k in ("daily", "every day", "ежедневно"):
        return list(range(7))
    if "-" in k:
        a, _, b = (p.strip() for p in k.partition("-"))
        if a not in _WEEKDAY_ALIASES or b not in _WEEKDAY_ALIASES:
            raise ValueError(f"unknown weekday range {key!r} (e.g. mon-fri)")
        first, last = _WEEKDAY_ALIASES[a], _WEEKDAY_ALIASES[b]
        return [(first + i) % 7 for i in range((last - first) % 7 + 1)]
    if k not in _WEEKDAY_ALIASES:
        raise ValueError(f"unknown weekday {key!r} (mon, tue, … sun)")
    return [_WEEKDAY_ALIASES[k]]


class WeeklySchedule(BaseModel):
    """Hours per weekday (Monday 0). Written as `{mon-fri: "09:00-18:00", sat: [...]}`; dumps as
    one key per working day in weekday order."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    days: dict[int, tuple[Hours, ...]]

    @model_validator(mode="before")
    @classmethod
    def _from_mapping(cls, value: Any) -> Any:
        if not isinstance(value, Mapping) or set(value) == {"days"}:
            return value
        days: dict[int, list[Any]] = {}
        for key, hours in value.items():
            items = hours if isinstance(hours, list | tuple) and _is_hours_list(hours) else [hours]
            for number in _weekday_keys(str(key)):
                if number in days:
                    raise ValueError(f"{WEEKDAY_KEYS[number]} is listed twice")
                days[number] = [h for h in items if h is not None]
        return {"days": days}

    @field_validator("days")
    @classmethod
    def _sane(cls, days: dict[int, tuple[Hours, ...]]) -> dict[int, tuple[Hours, ...]]:
        if any(not 0 <= d <= 6 for d in days):
            raise ValueError("weekdays are numbered 0 (Monday) to 6 (Sunday)")
        cleaned = {d: tuple(sorted(h, key=lambda x: x.start)) for d, h in days.items() if h}
        if not cleaned:
            raise ValueError("a weekly schedule needs at least one working day")
        for d, hours in cleaned.items():
            for a, b in pairwise(hours):
                if a.overnight or a.end > b.start:
                    raise ValueError(f"{WEEKDAY_KEYS[d]}: hours {a.text()} and {b.text()} overlap")
        return dict(sorted(cleaned.items()))

    @model_serializer
    def _as_mapping(self) -> dict[str, list[str]]:
        return {WEEKDAY_KEYS[d]: [h.text() for h in hs] for d, hs in self.days.items()}

    def hours_on(self, day: date) -> tuple[Hours, ...]:
        return self.days.get(day.weekday(), ())

    @property
    def period(self) -> int:
        return 7


def _is_hours_list(value: list[Any] | tuple[Any, ...]) -> bool:
    """["09:00-13:00", "14:00-18:00"] is a list of hours; ["09:00", "18:00"] is one pair."""
    return not (len(value) == 2 and all(isinstance(v, str) and "-" not in v for v in value))


class ShiftCycle(BaseModel):
    """`on_days` working days then `off_days` off, repeating from `anchor` (the first day of an
    on-block; it may lie in the past or the future), each working day `start`-`end`."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    on_days: int = Field(ge=1)
    off_days: int = Field(ge=0)
    anchor: date
    start: time = time(9, 0)
    end: time = time(21, 0)

    @model_validator(mode="before")
    @classmethod
    def _aliases(cls, value: Any) -> Any:
        if not isinstance(value, Mapping):
            return value
        data = dict(value)
        if "pattern" in data:
            try:
                on, off = (int(x) for x in str(data.pop("pattern")).split("/"))
            except ValueError:
                pattern = value["pattern"]
                raise ValueError(f"expected a pattern like 2/2, got {pattern!r}") from None
            data |= {"on_days": on, "off_days": off}
        for short, full in (("on", "on_days"), ("off", "off_days")):
            if short in data:
                data[full] = data.pop(short)
        if "hours" in data:
            hours = Hours.model_validate(data.pop("hours"))
            data |= {"start": hours.start, "end": hours.end}
        if isinstance(data.get("start"), str):
            data["start"] = _parse_clock(data["start"])
        if isinstance(data.get("end"), str):
            data["end"] = _parse_clock(data["end"], end=True)
        return data

    @field_serializer("start", "end")
    def _clock(self, t: time) -> str:
        return _clock_text(t)

    @property
    def hours(self) -> Hours:
        return Hours(start=self.start, end=self.end)

    @property
    def period(self) -> int:
        return self.on_days + self.off_days

    def hours_on(self, day: date) -> tuple[Hours, ...]:
        # Python's % is never negative, so an anchor in the future counts backwards correctly.
        return (self.hours,) if (day - self.anchor).days % self.period < self.on_days else ()


class Schedule(BaseModel):
    """One person's working time: a weekly or a cycle pattern in `timezone`, minus days off and
    holidays. `model_dump(mode="json")` gives a plain dict (JSON/YAML-safe, sorted dates) that
    `Schedule.model_validate` reads back."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    timezone: str = "Europe/Moscow"
    weekly: WeeklySchedule | None = None
    cycle: ShiftCycle | None = None
    days_off: frozenset[date] = frozenset()  # personal: vacations, sick days
    holidays: frozenset[date] = frozenset()  # company-wide
    holidays_stop_cycles: bool = False

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, value: Any) -> Any:
        """Accept the playbook's `days` + `hours` shorthand and a `cycle` without its own hours."""
        if not isinstance(value, Mapping):
            return value
        data = dict(value)
        if isinstance(data.get("timezone"), ZoneInfo):
            data["timezone"] = data["timezone"].key
        days, hours = data.pop("days", None), data.pop("hours", None)
        if data.get("cycle") is not None:
            cycle = data["cycle"]
            if isinstance(cycle, Mapping) and hours is not None:
                has_own = any(k in cycle for k in ("start", "end", "hours"))
                data["cycle"] = cycle if has_own else {**cycle, "hours": hours}
            if data.get("weekly") is not None:
                raise ValueError("give either `weekly` or `cycle`, not both")
        elif data.get("weekly") is None:
            keys = days if days is not None else ["mon-fri"]
            data["weekly"] = {str(k): hours or _DEFAULT_HOURS for k in keys}
        return data

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r} (e.g. Europe/Moscow)") from None
        return value

    @field_serializer("days_off", "holidays")
    def _sorted(self, days: frozenset[date]) -> list[date]:
        return sorted(days)

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def pattern(self) -> WeeklySchedule | ShiftCycle:
        pattern = self.weekly or self.cycle
        assert pattern is not None  # the validator guarantees one
        return pattern

    def _horizon(self) -> int:
        """Days within which a working day surely comes: every `period` days hold one by the
        pattern, and each excluded date can cancel at most one of them."""
        return self.pattern.period * (len(self.days_off) + len(self.holidays) + 1) + 1


def local_datetime(day: date, at: time, tz: ZoneInfo) -> datetime:
    """`day` at wall time `at` in `tz`, normalised: a time inside a DST gap moves forward by the
    gap, an ambiguous one is its first occurrence."""
    return datetime.combine(day, at, tzinfo=tz).astimezone(UTC).astimezone(tz)


def _require_aware(at: datetime) -> None:
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError("an aware datetime is required")


def is_working_day(schedule: Schedule, day: date) -> bool:
    """True when `day` (a local date) has a shift and is neither a day off nor a holiday that
    stops this schedule."""
    if day in schedule.days_off:
        return False
    if day in schedule.holidays and (schedule.weekly is not None or schedule.holidays_stop_cycles):
        return False
    return bool(schedule.pattern.hours_on(day))


def shifts_on(schedule: Schedule, day: date) -> list[Interval]:
    """The shifts that start on the local `day`, in order (none on a non-working day)."""
    if not is_working_day(schedule, day):
        return []
    return [h.on(day, schedule.tz) for h in schedule.pattern.hours_on(day)]


def _days_from(schedule: Schedule, first: date) -> Iterator[date]:
    for i in range(schedule._horizon() + 1):
        yield first + timedelta(days=i)


def _no_work() -> ValueError:  # unreachable by the horizon argument; kept for mypy and safety
    return ValueError("the schedule has no working time ahead")


def current_shift(schedule: Schedule, at: datetime) -> Interval | None:
    """The shift that `at` falls in (yesterday's overnight shift counts), or None."""
    _require_aware(at)
    today = at.astimezone(schedule.tz).date()
    instant = at.astimezone(UTC)  # compare in UTC: wall times repeat on the autumn night
    for day in (today - timedelta(days=1), today):
        for start, end in shifts_on(schedule, day):
            if start <= instant < end:
                return start, end
    return None


def is_on_shift(schedule: Schedule, at: datetime) -> bool:
    """True when `at` falls inside a shift (start inclusive, end exclusive)."""
    return current_shift(schedule, at) is not None


def shift_end(schedule: Schedule, at: datetime) -> datetime | None:
    """When the shift `at` falls in ends (back-to-back shifts are not merged); None when off."""
    shift = current_shift(schedule, at)
    return shift[1] if shift else None


def next_shift_start(schedule: Schedule, after: datetime) -> datetime:
    """The first shift start strictly after `after` (so, on shift, the following shift)."""
    _require_aware(after)
    instant = after.astimezone(UTC)
    for day in _days_from(schedule, after.astimezone(schedule.tz).date()):
        for start, _ in shifts_on(schedule, day):
            if start > instant:
                return start
    raise _no_work()


def next_working_morning(schedule: Schedule, after: datetime) -> datetime:
    """The start of the first shift of the next working day that starts after `after`: later
    today if today's work has not begun, else the next working day (never today's afternoon
    shift of a split day). The no-answer ladder's "try again next morning"."""
    _require_aware(after)
    instant = after.astimezone(UTC)
    for day in _days_from(schedule, after.astimezone(schedule.tz).date()):
        shifts = shifts_on(schedule, day)
        if shifts and shifts[0][0] > instant:
            return shifts[0][0]
    raise _no_work()


def next_working_day(schedule: Schedule, day: date, *, include_given: bool = False) -> date:
    """The first working day after `day` (or from `day` itself with `include_given`)."""
    first = day if include_given else day + timedelta(days=1)
    for candidate in _days_from(schedule, first):
        if is_working_day(schedule, candidate):
            return candidate
    raise _no_work()


def days_off_ahead(schedule: Schedule, from_day: date) -> int:
    """How many consecutive non-working days start at `from_day` (0 when it is a working day).
    Story 002: a manager off more than 2 days → the head is told to hand the task over."""
    return (next_working_day(schedule, from_day, include_given=True) - from_day).days


def move_to_working_time(schedule: Schedule, due: datetime) -> datetime:
    """A due time on a day off moves to the same local time on the next working day, clamped
    into that day's hours: before (or between) shifts → the next shift's start, after the last
    shift → its end (due by the end of the working day). A due on a working day, or inside an
    overnight shift that began the day before, is returned unchanged."""
    _require_aware(due)
    local = due.astimezone(schedule.tz)
    if is_working_day(schedule, local.date()) or is_on_shift(schedule, due):
        return due
    target = next_working_day(schedule, local.date())
    candidate = local_datetime(target, local.time(), schedule.tz)
    instant = candidate.astimezone(UTC)
    shifts = shifts_on(schedule, target)
    for start, end in shifts:
        if instant < start:
            return start
        if instant < end:
            return candidate
    return shifts[-1][1]
