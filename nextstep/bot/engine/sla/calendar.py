"""A person's `Schedule` seen as the `ShiftCalendar` the SLA rules ask (on shift now? when next?
is that day off?), with the answers cached per instance: a sweep asks the same few questions of
each person many times. Times come back in UTC, as everywhere inside."""

from __future__ import annotations

from datetime import UTC, date, datetime

from nextstep.bot.engine import schedule as sched
from nextstep.bot.engine.schedule import Schedule


class ScheduleCalendar:
    """Adapts `engine.schedule` to `facts.ShiftCalendar`. Build one per person per sweep."""

    __slots__ = ("_day_off", "schedule")

    def __init__(self, schedule: Schedule) -> None:
        self.schedule = schedule
        self._day_off: dict[date, bool] = {}

    @property
    def timezone(self) -> str:
        return self.schedule.timezone

    def is_on_shift(self, at: datetime) -> bool:
        return sched.is_on_shift(self.schedule, at)

    def next_shift_start(self, at: datetime) -> datetime | None:
        try:
            return sched.next_shift_start(self.schedule, at).astimezone(UTC)
        except ValueError:
            return None

    def is_day_off(self, at: datetime) -> bool:
        day = at.astimezone(self.schedule.tz).date()
        known = self._day_off.get(day)
        if known is None:
            known = self._day_off[day] = not sched.is_working_day(self.schedule, day)
        return known

    def move_to_working_time(self, at: datetime) -> datetime:
        return sched.move_to_working_time(self.schedule, at).astimezone(UTC)

    def days_off_ahead(self, at: datetime) -> int:
        return sched.days_off_ahead(self.schedule, at.astimezone(self.schedule.tz).date())

    def next_working_morning(self, at: datetime) -> datetime:
        return sched.next_working_morning(self.schedule, at).astimezone(UTC)
