"""What a sweep decides, as data for the runtime: cards to open, edit, raise, close or hold,
and the CRM writes some rules make (reassign, revert a stage, move a task).

Every escalation action carries the escalation's new `state`: the runtime stores it (one row per
(rule, subject) in `escalations`) in the same transaction as the outbox rows it enqueues, so the
wiring is "persist `state`, enqueue the message".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from nextstep.bot.engine.sla.record import EscalationState, Facts, Rule


@dataclass(frozen=True, slots=True)
class Button:
    """A card button: `action` and `args` go into the callbacks row; `label` is an i18n key."""

    action: str  # ack, snooze, reassign, take_myself, remind, redistribute, next_step, handover
    label: str
    args: tuple[tuple[str, str | int], ...] = ()


@dataclass(frozen=True, slots=True)
class Open:
    """Send the escalation's first card to `audience` (a CRM user id)."""

    state: EscalationState
    audience: int
    deal_id: int | None
    facts: Facts
    buttons: tuple[Button, ...]


@dataclass(frozen=True, slots=True)
class Update:
    """Store `state`; when `card_changed`, edit the card in place. Nothing is re-sent."""

    state: EscalationState
    facts: Facts
    buttons: tuple[Button, ...]
    card_changed: bool = True


@dataclass(frozen=True, slots=True)
class Raise:
    """Up one or more levels: the previous card (sent to `previous_audience`, if any) is edited
    to say so, and a new card goes to `audience`."""

    state: EscalationState
    audience: int
    previous_audience: int | None
    deal_id: int | None
    facts: Facts
    buttons: tuple[Button, ...]
    previous_level: int | None = None


@dataclass(frozen=True, slots=True)
class Close:
    """The condition cleared: edit the card to say how it ended (`reason` is an i18n key suffix:
    taken, task_set, moved_on, deal_closed, reverted, cleared, auto_reassigned, ...)."""

    state: EscalationState
    reason: str
    card_sent: bool  # False: nothing was delivered (it was deferred); just store `state`


@dataclass(frozen=True, slots=True)
class Defer:
    """Hold the card until `until` (the audience's shift start or the end of quiet hours)."""

    state: EscalationState
    audience: int
    until: datetime


@dataclass(frozen=True, slots=True)
class Remind:
    """A fresh ping pointing at the escalation's card (a snooze ran out)."""

    state: EscalationState
    audience: int


@dataclass(frozen=True, slots=True)
class Summary:
    """Over the audience's hourly cap: these pings go out as one summary card (the states of
    `items` are stored as usual; their cards are this one)."""

    audience: int
    items: tuple[Open | Raise | Remind, ...]


@dataclass(frozen=True, slots=True)
class AutoReassign:
    deal_id: int
    from_user: int
    to_user: int
    rule: Rule


@dataclass(frozen=True, slots=True)
class RevertStage:
    deal_id: int
    pipeline_id: int
    status_id: int
    moved_by: int | None


@dataclass(frozen=True, slots=True)
class MoveTaskToWorkingDay:
    task_id: int
    deal_id: int
    responsible_user_id: int
    due: datetime
    new_due: datetime

    @property
    def dedup_key(self) -> str:
        return f"move_task:{self.task_id}:{int(self.new_due.timestamp())}"


EscalationAction = (
    Open
    | Update
    | Raise
    | Close
    | Defer
    | Remind
    | Summary
    | AutoReassign
    | RevertStage
    | MoveTaskToWorkingDay
)


@dataclass(frozen=True, slots=True)
class Deadline:
    """A moment something in the sweep comes due; the runtime keeps it in `timers`."""

    rule: Rule
    subject_key: str
    due_at: datetime

    @property
    def key(self) -> str:
        return f"sla:{self.rule}:{self.subject_key}"


@dataclass(frozen=True)
class SweepResult:
    actions: list[EscalationAction]
    timers: list[Deadline]
    next_at: datetime | None  # the earliest deadline of all, near or far
