"""What can happen to a deal, as the engine's inputs (frozen, plain data).

Webhooks, the periodic sync, timers and button presses are all turned into one of these by the
services; the deal's current state travels separately as a `DealView`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class DealAssigned:
    """A deal is (newly) its responsible manager's: from a webhook or the sync."""


@dataclass(frozen=True)
class TakeIntoWork:
    """The manager pressed "Take into work" on a new deal's card."""

    by_user_id: int


@dataclass(frozen=True)
class Reached:
    """The call took place. `result_text` is the negotiation result; `next_status_id` the
    stage picked among those offered, or `stay` to leave the deal where it is."""

    task_id: int
    result_text: str | None = None
    next_status_id: int | None = None
    stay: bool = False


@dataclass(frozen=True)
class NoAnswer:
    task_id: int


@dataclass(frozen=True)
class CallBack:
    """The client asked to be called back at `at` (aware; parsed from what the manager typed)."""

    task_id: int
    at: datetime


@dataclass(frozen=True)
class NotInterested:
    task_id: int
    loss_reason_id: int | None = None


CallOutcome = Reached | NoAnswer | CallBack | NotInterested


@dataclass(frozen=True)
class TaskDue:
    """A task of the deal came due (a timer)."""

    task_id: int


@dataclass(frozen=True)
class DealChangedElsewhere:
    """The CRM says the deal's stage or responsible changed (the `DealView` is the new state)."""

    old_pipeline_id: int
    old_status_id: int
    old_responsible_user_id: int


Event = DealAssigned | TakeIntoWork | CallOutcome | TaskDue | DealChangedElsewhere
