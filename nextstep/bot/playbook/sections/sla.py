"""The `sla` section: which situations are escalated, to whom, and after how long.

Every rule is a ladder: once its condition has lasted `after`, level 0 is told; each level has a
time limit (`within`) before the next one is told. Any activity on the deal restarts the level's
clock. Omitted keys take the defaults the product promises (take a lead in 10 minutes with a
reminder at half time; 5 overdue tasks make a pile; 1 hour without a next step; 30 days on a
stage).
"""

from __future__ import annotations

from datetime import time, timedelta
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PositiveInt, field_validator, model_validator

from nextstep.bot.playbook.calls import TaskSpec
from nextstep.bot.playbook.durations import Duration, parse_duration


class _Section(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Audience(StrEnum):
    """Who a ladder level tells, relative to the deal's (or task's) responsible manager."""

    MANAGER = "manager"
    HEAD = "head"
    HEAD_OF_HEAD = "head_of_head"


class Level(_Section):
    """`head` (the last level) or `{to: head, within: 30m}` (raise after 30 minutes)."""

    to: Audience
    within: Duration | None = None  # None: the last level, never raised further

    @model_validator(mode="before")
    @classmethod
    def _from_word(cls, value: Any) -> Any:
        if isinstance(value, str):
            return {"to": value}
        if isinstance(value, dict) and len(value) == 1:
            ((key, after),) = value.items()
            if key in set(Audience):
                return {"to": key, "within": after}
        return value


Levels = tuple[Level, ...]


def _ladder(*steps: tuple[Audience, timedelta | None]) -> Levels:
    return tuple(Level(to=to, within=within) for to, within in steps)


def _check_ladder(levels: Levels) -> Levels:
    if not levels:
        raise ValueError("name at least one level")
    for level in levels[:-1]:
        if level.within is None or level.within <= timedelta(0):
            raise ValueError(f"level `{level.to}` needs `within` (all but the last level)")
    return levels


class PriorityWindow(_Section):
    """Leads from `source` get `deadline` (not the usual one) while younger than `first`."""

    source: str = Field(min_length=1)  # matched against the deal's source and its tags
    deadline: Duration
    first: Duration = timedelta(hours=4)


class OnDeadline(StrEnum):
    HEAD = "head"  # the head gets a card: Reassign to…, Take myself, Remind again
    AUTO_REASSIGN = "auto_reassign"  # the lead goes to the next on-shift manager


class TakeRule(_Section):
    """A new lead not taken into work in time (stories 000, 002, 003)."""

    enabled: bool = True
    deadline: Duration = timedelta(minutes=10)
    # The manager's reminder: `half` (of the deadline), a duration after the lead landed, or off.
    remind: Literal["half"] | Duration | None = "half"
    on_deadline: OnDeadline = OnDeadline.HEAD
    # Levels after the deadline (the manager's reminder comes before them).
    levels: Levels = _ladder((Audience.HEAD, timedelta(minutes=30)), (Audience.HEAD_OF_HEAD, None))
    priority: tuple[PriorityWindow, ...] = ()

    @field_validator("remind", mode="before")
    @classmethod
    def _remind_words(cls, value: Any) -> Any:
        if value in ("off", False):
            return None
        return value

    @field_validator("levels")
    @classmethod
    def _levels(cls, levels: Levels) -> Levels:
        return _check_ladder(levels)

    @model_validator(mode="after")
    def _remind_before_deadline(self) -> TakeRule:
        for deadline, what in [(self.deadline, "deadline")] + [
            (w.deadline, f"priority {w.source!r} deadline") for w in self.priority
        ]:
            remind = self.remind_after(deadline)
            if remind is not None and not timedelta(0) < remind < deadline:
                raise ValueError(f"remind must come before the {what}")
        return self

    def remind_after(self, deadline: timedelta) -> timedelta | None:
        """When the manager is reminded, for a lead with this `deadline`."""
        if self.remind is None:
            return None
        return deadline / 2 if self.remind == "half" else self.remind


class OverduePileRule(_Section):
    """A manager with `threshold` or more overdue tasks: one card to their head (story 002)."""

    enabled: bool = True
    threshold: PositiveInt = 5
    levels: Levels = _ladder((Audience.HEAD, timedelta(hours=4)), (Audience.HEAD_OF_HEAD, None))

    @field_validator("levels")
    @classmethod
    def _levels(cls, levels: Levels) -> Levels:
        return _check_ladder(levels)


class NoTaskRule(_Section):
    """An open deal with no open task: the manager is asked for the next step (story 001)."""

    enabled: bool = True
    grace: Duration = timedelta(hours=1)
    levels: Levels = _ladder(
        (Audience.MANAGER, timedelta(hours=1)),
        (Audience.HEAD, timedelta(hours=4)),
        (Audience.HEAD_OF_HEAD, None),
    )
    # Next-step templates offered as buttons on the card (gaps filled from `call_task`).
    templates: tuple[TaskSpec, ...] = (TaskSpec(due=None),)

    @field_validator("levels")
    @classmethod
    def _levels(cls, levels: Levels) -> Levels:
        return _check_ladder(levels)


class StageLimit(_Section):
    """`{stage: "Переговоры", days: 14}`; `pipeline` narrows the name to one pipeline."""

    stage: str = Field(min_length=1)
    pipeline: str | None = None
    days: PositiveInt


class StuckRule(_Section):
    """A deal on one stage longer than the stage's limit: the manager, then the head."""

    enabled: bool = True
    days: PositiveInt = 30  # the default limit (story 001: the average cycle is a month)
    stages: tuple[StageLimit, ...] = ()
    levels: Levels = _ladder(
        (Audience.MANAGER, timedelta(days=1)),
        (Audience.HEAD, timedelta(days=2)),
        (Audience.HEAD_OF_HEAD, None),
    )

    @field_validator("levels")
    @classmethod
    def _levels(cls, levels: Levels) -> Levels:
        return _check_ladder(levels)


class QuietHours(_Section):
    """`"21:00-09:00"`: local hours when nobody of the role is pinged (wraps past midnight)."""

    start: time
    end: time

    @model_validator(mode="before")
    @classmethod
    def _from_text(cls, value: Any) -> Any:
        if isinstance(value, str):
            parts = value.replace(" ", "").split("-")
            if len(parts) != 2:
                raise ValueError(f'expected hours like "21:00-09:00", got {value!r}')
            try:
                start, end = (time.fromisoformat(p) for p in parts)
            except ValueError:
                raise ValueError(f'expected hours like "21:00-09:00", got {value!r}') from None
            return {"start": start, "end": end}
        return value

    def covers(self, moment: time) -> bool:
        if self.start <= self.end:
            return self.start <= moment < self.end
        return moment >= self.start or moment < self.end


class RoleNoise(_Section):
    quiet_hours: QuietHours | None = None
    per_hour: PositiveInt | None = None  # pings beyond this in an hour go into one summary card


class Noise(_Section):
    """The noise budget per role; omitted roles are not capped."""

    manager: RoleNoise = RoleNoise(per_hour=12)
    head: RoleNoise = RoleNoise(per_hour=6)
    estimator: RoleNoise = RoleNoise()
    admin: RoleNoise = RoleNoise()

    def for_role(self, role: str) -> RoleNoise:
        found = getattr(self, role, None)
        return found if isinstance(found, RoleNoise) else RoleNoise()


class Snooze(StrEnum):
    TOMORROW = "tomorrow"


def _snooze(value: Any) -> Any:
    if value == Snooze.TOMORROW:
        return value
    return parse_duration(value)


class DigestSection(_Section):
    """The head's morning digest."""

    enabled: bool = True
    at: time = time(9, 0)  # local time of each head
    top: PositiveInt = 10  # problem deals listed with buttons

    @field_validator("at", mode="before")
    @classmethod
    def _yaml_sexagesimal(cls, value: Any) -> Any:
        if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 24 * 60:
            return time(*divmod(value, 60))
        return value


class Sla(_Section):
    take: TakeRule = TakeRule()
    overdue_pile: OverduePileRule = OverduePileRule()
    no_task: NoTaskRule = NoTaskRule()
    stuck: StuckRule = StuckRule()
    noise: Noise = Noise()
    snooze: tuple[timedelta | Snooze, ...] = (
        timedelta(minutes=30),
        timedelta(hours=2),
        Snooze.TOMORROW,
    )
    digest: DigestSection = DigestSection()

    @field_validator("snooze", mode="before")
    @classmethod
    def _snoozes(cls, value: Any) -> Any:
        if isinstance(value, list | tuple):
            return tuple(_snooze(v) for v in value)
        return value
