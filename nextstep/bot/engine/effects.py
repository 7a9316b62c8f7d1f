"""What the engine decides, as data for the executor (CRM writes, flow state, notifications)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Literal

from nextstep.bot.engine.texts import Text
from nextstep.bot.playbook.model import CardField


class TaskPurpose(StrEnum):
    """Why the task exists; the executor records the take task's id in the deal's flow."""

    TAKE = "take"
    CALL = "call"
    NEXT_STEP = "next_step"
    CALL_BACK = "call_back"


@dataclass(frozen=True)
class CreateTask:
    text: Text
    due: datetime
    task_type: int
    responsible_user_id: int
    purpose: TaskPurpose


@dataclass(frozen=True)
class CompleteTask:
    task_id: int
    result_text: Text


class CallStatus(StrEnum):
    """Neutral call results; the CRM adapter maps them (amoCRM: 4, 2, 6)."""

    CONVERSATION = "conversation"
    CALL_BACK = "call_back"
    NO_ANSWER = "no_answer"


@dataclass(frozen=True)
class AddCallNote:
    status: CallStatus
    text: Text
    direction: Literal["outbound", "inbound"] = "outbound"


@dataclass(frozen=True)
class AddNote:
    text: Text


@dataclass(frozen=True)
class MoveStage:
    pipeline_id: int
    status_id: int
    loss_reason_id: int | None = None


@dataclass(frozen=True)
class RunSalesbot:
    bot_id: int


@dataclass(frozen=True)
class Reassign:
    user_id: int


@dataclass(frozen=True)
class Person:
    crm_user_id: int


@dataclass(frozen=True)
class Role:
    name: str  # manager, head, estimator, admin


class CardKind(StrEnum):
    NEW_DEAL = "new_deal"  # with the "take into work" button
    CALL_TASK = "call_task"  # with the call outcome buttons
    TASK_DUE = "task_due"
    DEAL_ASSIGNED = "deal_assigned"  # a deal already in work handed to this person


@dataclass(frozen=True)
class NotifyCard:
    audience: Person | Role
    card: CardKind
    fields: tuple[CardField, ...]
    task_id: int | None = None


@dataclass(frozen=True)
class RefreshCards:
    """Edit every open card of the deal to its new state (buttons that no longer apply go)."""


@dataclass(frozen=True)
class AskResultText:
    """Nothing is written yet: ask the manager for the negotiation result first."""

    task_id: int


@dataclass(frozen=True)
class AskLossReason:
    task_id: int
    reason_ids: tuple[int, ...] | None  # None: all of the account's reasons


@dataclass(frozen=True)
class OfferStages:
    """Nothing is written yet: the manager picks the next stage (or to stay)."""

    task_id: int
    status_ids: tuple[int, ...]
    allow_stay: bool = True


@dataclass(frozen=True)
class IncrementNoAnswer:
    pass


@dataclass(frozen=True)
class ResetNoAnswer:
    pass


@dataclass(frozen=True)
class MarkTaken:
    pass


class RejectReason(StrEnum):
    """Why an action is refused; the values are i18n message keys shown to the presser."""

    DEAL_CLOSED = "engine.reject.deal_closed"
    ALREADY_TAKEN = "engine.reject.already_taken"
    TASK_NOT_OPEN = "engine.reject.task_not_open"
    OUTCOME_NOT_OFFERED = "engine.reject.outcome_not_offered"
    PIPELINE_NOT_COVERED = "engine.reject.pipeline_not_covered"
    TIME_IN_PAST = "engine.reject.time_in_past"
    LOSS_REASON_NOT_OFFERED = "engine.reject.loss_reason_not_offered"
    STAGE_NOT_OFFERED = "engine.reject.stage_not_offered"


@dataclass(frozen=True)
class Reject:
    """Not allowed or stale (already done, deal closed or moved elsewhere): nothing changes."""

    reason_key: RejectReason


Effect = (
    CreateTask
    | CompleteTask
    | AddCallNote
    | AddNote
    | MoveStage
    | RunSalesbot
    | Reassign
    | NotifyCard
    | RefreshCards
    | AskResultText
    | AskLossReason
    | OfferStages
    | IncrementNoAnswer
    | ResetNoAnswer
    | MarkTaken
    | Reject
)


@dataclass(frozen=True)
class Decision:
    effects: tuple[Effect, ...] = ()

    @classmethod
    def reject(cls, reason: RejectReason) -> Decision:
        return cls((Reject(reason),))

    @property
    def rejected(self) -> RejectReason | None:
        return next((e.reason_key for e in self.effects if isinstance(e, Reject)), None)
