"""The `schedules` section: the default work schedule, holidays, and the day-off hand-over rule.

Each staff member may have their own schedule (stored per person, the same shape as `default`);
whoever has none works the default. A schedule is weekly (days and hours) or a shift cycle such
as 2/2 from an anchor date, in the person's time zone, plus personal days off (the model is
`engine.schedule.Schedule`). The section's holidays apply to everyone.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict, PositiveInt

from nextstep.bot.engine.schedule import Schedule

#: The keys of a stored spec that only adds days off to the default schedule.
DAYS_OFF_ONLY = frozenset({"days_off"})


class Schedules(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    default: Schedule = Schedule()  # Monday to Friday, 09:00-18:00, Europe/Moscow
    holidays: tuple[date, ...] = ()  # nobody on a weekly schedule works these days
    holidays_stop_cycles: bool = False  # shift workers (2/2) usually work through holidays
    # A task due while its manager is off more than this many days: the head hands it over.
    handover_after_days: PositiveInt = 2

    def schedule_for(self, spec: Mapping[str, Any] | Schedule | None) -> Schedule:
        """A person's schedule (their stored spec, else the default) with the holidays added.

        A stored spec holding only `days_off` (days off added from the chat by someone with no
        schedule of their own) is the default plus those days: it follows later playbook edits.
        """
        if isinstance(spec, Mapping) and set(spec) <= DAYS_OFF_ONLY:
            base = self.default.model_copy(
                update={"days_off": Schedule.model_validate(spec).days_off}
            )
        else:
            base = self.default if spec is None else Schedule.model_validate(spec)
        return base.model_copy(
            update={
                "holidays": base.holidays | frozenset(self.holidays),
                "holidays_stop_cycles": base.holidays_stop_cycles or self.holidays_stop_cycles,
            }
        )
