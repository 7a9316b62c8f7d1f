"""The call process of a playbook: task templates, call outcomes and the no-answer ladder."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, PositiveInt, model_validator

from nextstep.bot.playbook.durations import Due, DueKind
from nextstep.bot.playbook.refs import LossReasonRef, MoveTarget, StageKeyword, StageRef
from nextstep.bot.playbook.texts import TextSpec
from nextstep.crm_client.models import TaskType


class _Section(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


def _task_type(value: Any) -> Any:
    names = {"call": TaskType.CALL, "meeting": TaskType.MEETING}
    if isinstance(value, str) and value in names:
        return int(names[value])
    if isinstance(value, str):
        raise ValueError("expected call, meeting or a CRM task type id")
    return value


TaskTypeId = Annotated[PositiveInt, BeforeValidator(_task_type)]


class TaskSpec(_Section):
    """A task to create. Omitted parts come from the playbook's `call_task` template."""

    text: TextSpec | None = None
    type: TaskTypeId | None = None
    due: Due | None = None

    def over(self, template: TaskSpec) -> TaskSpec:
        """This spec with its gaps filled from `template`."""
        return TaskSpec(
            text=self.text or template.text,
            type=self.type or template.type,
            due=self.due or template.due,
        )


class OutcomeKind(StrEnum):
    REACHED = "reached"
    NO_ANSWER = "no_answer"
    CALL_BACK = "call_back"
    NOT_INTERESTED = "not_interested"


class Outcome(_Section):
    """One button on a call task: what is written, which task follows, where the deal moves."""

    label: str  # i18n message key of the button
    note: TextSpec | None = None  # the call note
    task_result: TextSpec  # the result written when the call task is completed
    next_task: TaskSpec | None = None
    move: MoveTarget | None = None
    # Story 002: a call task cannot be completed without the result of the conversation.
    require_result_text: bool = False


class NotInterestedOutcome(Outcome):
    move: MoveTarget | None = MoveTarget.of(StageKeyword.LOST)
    ask_loss_reason: bool = True


class Outcomes(_Section):
    """The outcomes offered on a call task; an omitted one is not offered."""

    reached: Outcome | None = None
    no_answer: Outcome | None = None
    call_back: Outcome | None = None
    not_interested: NotInterestedOutcome | None = None

    def get(self, kind: OutcomeKind) -> Outcome | None:
        found: Outcome | None = getattr(self, kind.value)
        return found

    def offered(self) -> tuple[OutcomeKind, ...]:
        return tuple(k for k in OutcomeKind if self.get(k) is not None)

    @model_validator(mode="after")
    def _at_only_for_call_back(self) -> Outcomes:
        for kind in (OutcomeKind.REACHED, OutcomeKind.NO_ANSWER, OutcomeKind.NOT_INTERESTED):
            outcome = self.get(kind)
            task = outcome.next_task if outcome else None
            if task and task.due and task.due.kind is DueKind.AT:
                raise ValueError(f"{kind}.next_task: `due: at` is only for call_back")
        call_back = self.call_back.next_task if self.call_back else None
        if call_back and call_back.due and call_back.due.kind is not DueKind.AT:
            raise ValueError("call_back.next_task is due when the client asked: `due: at`")
        return self


class LadderStep(_Section):
    """What happens after the N-th unanswered call (story 002's dialing ladder)."""

    salesbot: PositiveInt | None = None  # a Salesbot id that writes to the client
    note: TextSpec | None = None
    next_task: TaskSpec | None = None
    move: StageRef | None = None
    loss_reason: LossReasonRef | None = None

    @model_validator(mode="after")
    def _leads_somewhere(self) -> LadderStep:
        if self.next_task is None and self.move is None:
            raise ValueError("a ladder step needs a next_task or a move (else the deal is left)")
        if self.next_task and self.next_task.due and self.next_task.due.kind is DueKind.AT:
            raise ValueError("`due: at` needs a time typed by the manager; not in the ladder")
        if self.loss_reason is not None and (
            self.move is None or self.move.kind is not StageKeyword.LOST
        ):
            raise ValueError("loss_reason goes with `move: lost`")
        return self
