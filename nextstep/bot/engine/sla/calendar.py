"""A person's `Schedule` seen as the `ShiftCalendar` the SLA rules ask (on shift now? when next?
is that day off? where does a task due on a day off go?), answered from the schedule's shifts
cached per local date: a sweep asks these of the same few people for thousands of tasks. Times
come back in UTC, as everywhere inside."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from nextstep.bot.engine import schedule as sched
from nextstep.bot.engine.schedule import Interval, Schedule


class ScheduleCalendar:
    """Adapts `engine.schedule` to `facts.ShiftCalendar`. Build one per person; the caches
    hold one entry per local date asked about. Shifts are cached in UTC: comparing two UTC
    times is cheap, while comparing a UTC time with a zoned one asks the zone for its offset
    (a first sweep does it for every task due on a day off)."""

    __slots__ = ("_next_day", "_shifts", "_tz", "_working", "schedule")

    def __init__(self, schedule: Schedule) -> None:
        self.schedule = schedule
        self._tz = schedule.tz
        self._shifts: dict[date, list[Interval]] = {}  # in UTC
        self._working: dict[date, bool] = {}
        self._next_day: dict[date, date] = {}

    @property
    def timezone(self) -> str:
        return self.schedule.timezone

    def _shifts_on(self, day: date) -> list[Interval]:
        found = self._shifts.get(day)
        if found is None:
            found = self._shifts[day] = [
                (start.astimezone(UTC), end.astimezone(UTC))
                for start, end in sched.shifts_on(self.schedule, day)
            ]
        return found

    def _is_working(self, day: date) -> bool:
        known = self._working.get(day)
        if known is None:
            known = self._working[day] = sched.is_working_day(self.schedule, day)
        return known

    def is_on_shift(self, at: datetime) -> bool:
        return self._on_shift_from(at.astimezone(self._tz).date(), at)

    def _on_shift_from(self, today: date, at: datetime) -> bool:
        """`is_on_shift` when `at`'s local date is known (yesterday's overnight shift counts)."""
        for day in (today - timedelta(days=1), today):
            for start, end in self._shifts_on(day):
                if start <= at < end:
                    return True
        return False

    def next_shift_start(self, at: datetime) -> datetime | None:
        try:
            return sched.next_shift_start(self.schedule, at).astimezone(UTC)
        except ValueError:
            return None

    def is_day_off(self, at: datetime) -> bool:
        return not self._is_working(at.astimezone(self._tz).date())

    def move_to_working_time(self, at: datetime) -> datetime:
        """As `schedule.move_to_working_time`: the same local time on the next working day,
        clamped into its shifts (before → the first start, after → the last end)."""
        local = at.astimezone(self._tz)
        day = local.date()
        if self._is_working(day) or self._on_shift_from(day, at):
            return at
        target = self._next_day.get(day)
        if target is None:
            target = self._next_day[day] = sched.next_working_day(self.schedule, day)
        # The instant of `local_datetime(target, local.time(), tz)`, compared in UTC.
        candidate = datetime.combine(target, local.time(), self._tz).astimezone(UTC)
        shifts = self._shifts_on(target)
        for start, end in shifts:
            if candidate < start:
                return start
            if candidate < end:
                return candidate
        return shifts[-1][1]

    def days_off_ahead(self, at: datetime) -> int:
        return sched.days_off_ahead(self.schedule, at.astimezone(self._tz).date())

    def next_working_morning(self, at: datetime) -> datetime:
        return sched.next_working_morning(self.schedule, at).astimezone(UTC)
