"""What the SLA sweep reads: mirror rows of deals and tasks, and the staff with their calendars.

Small frozen, slotted dataclasses: a sweep holds 100k of them, so they stay lean. All times are
timezone-aware UTC; each person's calendar knows their own time zone.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol, runtime_checkable


@runtime_checkable
class ShiftCalendar(Protocol):
    """The part of a work schedule (`engine.schedule.Schedule`) the SLA rules need."""

    def is_on_shift(self, at: datetime) -> bool: ...

    def next_shift_start(self, at: datetime) -> datetime | None: ...

    def is_day_off(self, at: datetime) -> bool:
        """True when `at` falls on a local date with no shift at all (a day off or holiday)."""
        ...

    def move_to_working_time(self, at: datetime) -> datetime: ...

    def days_off_ahead(self, at: datetime) -> int:
        """Consecutive days off starting with `at`'s local date (0 on a working day)."""
        ...

    def next_working_morning(self, at: datetime) -> datetime: ...


@dataclass(frozen=True, slots=True)
class DealRow:
    """A mirrored deal plus the bot's own flow facts (taken, reopened)."""

    id: int
    pipeline_id: int
    status_id: int
    responsible_user_id: int
    created_at: datetime
    stage_entered_at: datetime
    last_activity_at: datetime  # any change, note or task completion seen in the CRM
    price: float = 0.0
    name: str = ""
    source: str | None = None
    tags: tuple[str, ...] = ()
    assigned_at: datetime | None = None  # landed on the current responsible (None: created_at)
    taken: bool = False
    taken_at: datetime | None = None
    reopened_from: int | None = None  # the closed status it was moved out of (guard)
    reopened_by: int | None = None  # the CRM user who moved it out
    is_deleted: bool = False


@dataclass(frozen=True, slots=True)
class TaskRow:
    """A mirrored open task (completed tasks are not passed in)."""

    id: int
    deal_id: int
    responsible_user_id: int
    due: datetime
    text: str = ""
    task_type_id: int = 1


@dataclass(frozen=True, slots=True)
class OutcomeRow:
    """A call outcome recorded by the bot (for yesterday's figures per manager)."""

    deal_id: int
    manager_id: int
    kind: str  # reached, no_answer, call_back, not_interested, won, lost
    at: datetime
    price: float = 0.0


@dataclass(frozen=True, slots=True)
class StaffMember:
    crm_user_id: int
    role: str  # manager, head, estimator, admin
    head_id: int | None = None  # their head's CRM user id
    calendar: ShiftCalendar | None = None  # None: the playbook's default schedule
    timezone: str = "Europe/Moscow"
    reachable: bool = True  # the bot can write to them
    paired: bool = True  # a Telegram chat is paired with this CRM user
    name: str = ""
    active: bool = True  # the CRM user is active (a deactivated one is given no deals)

    @property
    def can_be_told(self) -> bool:
        return self.paired and self.reachable


@dataclass(frozen=True)
class StaffDirectory:
    """Staff by CRM user id, with teams (a head's managers) indexed once."""

    members: Mapping[int, StaffMember]
    default_calendar: ShiftCalendar | None = None
    _teams: Mapping[int, tuple[StaffMember, ...]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        teams: dict[int, list[StaffMember]] = {}
        for member in sorted(self.members.values(), key=lambda m: m.crm_user_id):
            if member.role == "manager" and member.head_id is not None:
                teams.setdefault(member.head_id, []).append(member)
        object.__setattr__(self, "_teams", {h: tuple(ms) for h, ms in teams.items()})

    @classmethod
    def of(
        cls, members: Sequence[StaffMember], default_calendar: ShiftCalendar | None = None
    ) -> StaffDirectory:
        return cls({m.crm_user_id: m for m in members}, default_calendar)

    def get(self, crm_user_id: int | None) -> StaffMember | None:
        return None if crm_user_id is None else self.members.get(crm_user_id)

    def __iter__(self) -> Iterator[StaffMember]:
        return iter(self.members.values())

    def head_of(self, crm_user_id: int | None) -> int | None:
        member = self.get(crm_user_id)
        return member.head_id if member else None

    def team(self, head_id: int | None) -> tuple[StaffMember, ...]:
        """The managers whose head is `head_id`, by CRM user id."""
        return () if head_id is None else self._teams.get(head_id, ())

    def heads(self) -> tuple[int, ...]:
        return tuple(sorted(self._teams))

    def calendar(self, crm_user_id: int | None) -> ShiftCalendar | None:
        member = self.get(crm_user_id)
        if member is not None and member.calendar is not None:
            return member.calendar
        return self.default_calendar
