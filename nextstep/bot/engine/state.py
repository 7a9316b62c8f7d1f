"""The facts the engine reads: the deal as it is now, and the moment and place of the decision."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from nextstep.crm_client.models import LOST_STATUS_ID, WON_STATUS_ID, Deal, Task, TaskType


def _aware(name: str, value: datetime) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware")


@dataclass(frozen=True)
class OpenTask:
    id: int
    due: datetime
    task_type_id: int = TaskType.CALL
    text: str = ""
    responsible_user_id: int | None = None  # whose task (None: not known)


@dataclass(frozen=True)
class DealView:
    """A deal re-read from the CRM plus the bot's own per-deal flow state."""

    id: int
    pipeline_id: int
    status_id: int
    responsible_user_id: int
    name: str = ""
    price: float = 0.0
    open_tasks: tuple[OpenTask, ...] = ()
    no_answer_attempts: int = 0  # unanswered calls in a row
    taken: bool = False  # taken into work (by a press, or moved on in the CRM)
    take_task_id: int | None = None  # the "take into work" task the bot set

    @property
    def is_closed(self) -> bool:
        return self.status_id in (WON_STATUS_ID, LOST_STATUS_ID)

    def task(self, task_id: int | None) -> OpenTask | None:
        return next((t for t in self.open_tasks if t.id == task_id), None)

    @classmethod
    def from_crm(
        cls,
        deal: Deal,
        tasks: Sequence[Task] = (),
        *,
        no_answer_attempts: int = 0,
        taken: bool = False,
        take_task_id: int | None = None,
    ) -> DealView:
        return cls(
            id=deal.id,
            pipeline_id=deal.pipeline_id,
            status_id=deal.status_id,
            responsible_user_id=deal.responsible_user_id,
            name=deal.name,
            price=deal.price,
            open_tasks=tuple(
                OpenTask(t.id, t.complete_till, t.task_type_id, t.text, t.responsible_user_id)
                for t in tasks
                if not t.is_completed
            ),
            no_answer_attempts=no_answer_attempts,
            taken=taken,
            take_task_id=take_task_id,
        )


@dataclass(frozen=True)
class Context:
    """When and for whom: the clock and the manager's calendar, precomputed by the caller."""

    now: datetime
    next_working_morning: datetime  # the manager's next working day at the playbook's morning
    timezone: str = "Europe/Moscow"  # the manager's, for texts that show times

    def __post_init__(self) -> None:
        _aware("Context.now", self.now)
        _aware("Context.next_working_morning", self.next_working_morning)
