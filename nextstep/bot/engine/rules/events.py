"""The rules' inputs, beside the engine's own events (webhooks, timers, card buttons)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class StageChanged:
    """The deal moved (in the CRM or by the bot); the facts hold where it is now."""

    old_pipeline_id: int
    old_status_id: int


@dataclass(frozen=True)
class FieldsChanged:
    """Custom fields or the loss reason changed (webhook `update` without a move, or a sync)."""


@dataclass(frozen=True)
class TaskCompleted:
    task_id: int
    result_text: str = ""
    text: str = ""
    task_type_id: int = 1


@dataclass(frozen=True)
class HandoffAccept:
    handoff: str
    by_user_id: int
    by_name: str = ""


@dataclass(frozen=True)
class HandoffNeedInfo:
    """The role's person typed a question for the manager."""

    handoff: str
    by_user_id: int
    question: str
    by_name: str = ""


@dataclass(frozen=True)
class HandoffReply:
    """The manager answered (the question card's reply button) to `to_user_id`."""

    handoff: str
    to_user_id: int
    text: str
    by_name: str = ""


@dataclass(frozen=True)
class HandoffReady:
    """ "Estimate ready" (or the role's equivalent) pressed."""

    handoff: str
    by_user_id: int
    by_name: str = ""


@dataclass(frozen=True)
class TimerDue:
    """A timer set by `ScheduleTimer(key, due)` came due."""

    key: str


@dataclass(frozen=True)
class NpsScore:
    """A 0–10 button pressed on an NPS task."""

    task_id: int
    score: int


HandoffPress = HandoffAccept | HandoffNeedInfo | HandoffReply | HandoffReady
RuleEvent = StageChanged | FieldsChanged | TaskCompleted | HandoffPress | TimerDue | NpsScore
