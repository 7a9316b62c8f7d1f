"""What the rules decide, beside the engine's own effects (CreateTask, MoveStage, AddNote, ...).

The executor performs them like the others: CRM writes through the outbox, cards through the
outbox, `SetHandoff`/`ScheduleTimer`/`CancelTimer`/`Remember` into the deal's `RuleState`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import TypeVar

from nextstep.bot.engine.effects import Effect, Person, Role
from nextstep.bot.engine.rules.facts import HandoffState
from nextstep.bot.engine.texts import Text
from nextstep.bot.playbook.sections.handoffs import Pick
from nextstep.bot.playbook.sections.rule_common import ResponsibleKind


@dataclass(frozen=True)
class FieldLine:
    key: str  # the custom field's name, or `@budget` for a built-in
    title: str
    value: object  # None when empty
    required: bool = False
    field_type: str | None = None  # the CRM's type ("date": unix seconds shown as a day)


@dataclass(frozen=True)
class HandOff:
    """A hand-off card to a role, with Accept / Need info / Ready buttons."""

    handoff: str
    title: str
    audience: Role
    pick: Pick  # all of the role, or one chosen by distribution
    fields: tuple[FieldLine, ...]
    group: str | None = None  # only the role's people of this group (the deal's location)


@dataclass(frozen=True)
class AskFields:
    """The manager is asked to fill these before the hand-off goes (names as the CRM shows)."""

    handoff: str
    audience: Person
    missing: tuple[str, ...]
    held: bool  # the deal was put back before the stage


@dataclass(frozen=True)
class SetHandoff:
    handoff: str
    state: HandoffState


@dataclass(frozen=True)
class CreateRuleTask:
    """A task on this deal, recorded under `tag` in the deal's rule state once created.

    `responsible_user_id=None`: whoever is the deal's responsible when the task is created
    (after a reassignment in the same decision)."""

    tag: str
    text: Text
    due: datetime
    task_type: int
    responsible_user_id: int | None


class TellKind(StrEnum):
    """Which message (and buttons) a `Tell` is; the value is the i18n key of its text."""

    HANDOFF_ACCEPTED = "rules.handoff.accepted"
    HANDOFF_QUESTION = "rules.handoff.question"  # with a Reply button
    HANDOFF_ANSWER = "rules.handoff.answer"
    HANDOFF_READY = "rules.handoff.ready"
    HANDOFF_ESCALATION = "rules.handoff.escalation"
    DATE_REMINDER = "rules.date.reminder"
    NPS_LOW = "rules.nps.low"


@dataclass(frozen=True)
class Tell:
    audience: Person | Role  # a Role is relative to the deal's responsible (their head, ...)
    kind: TellKind
    text: Text
    reply_handoff: str | None = None  # HANDOFF_QUESTION: the hand-off the reply belongs to
    reply_to_user_id: int | None = None


@dataclass(frozen=True)
class ResponsibleChoice:
    kind: ResponsibleKind
    user_id: int | None = None  # SAME, USER
    role: str | None = None  # ROLE
    exclude: tuple[int, ...] = ()  # ANOTHER_MANAGER: not these

    @classmethod
    def same(cls, user_id: int) -> ResponsibleChoice:
        return cls(ResponsibleKind.SAME, user_id=user_id)


@dataclass(frozen=True)
class TaskDraft:
    text: Text
    due: datetime
    task_type: int


@dataclass(frozen=True)
class CreateLinkedDeal:
    """A new deal in another (or the same) pipeline, linked to the source deal.

    `key` is unique per source deal and rule: the executor's dedup key for the CRM create."""

    key: str
    rule: str
    source_deal_id: int
    pipeline_id: int
    status_id: int
    name: Text
    price: float | None
    fields: tuple[tuple[str, object], ...]  # by the field's name as the CRM shows it
    responsible: ResponsibleChoice
    contact_ids: tuple[int, ...] = ()
    task: TaskDraft | None = None  # set on the new deal for its responsible
    # A budget split's fields that were empty on the source: `price` is the full budget, and
    # the new deal's task and a note on it say so (the executor words it).
    budget_fallback: tuple[str, ...] = ()


@dataclass(frozen=True)
class ReassignTo:
    """The deal gets a new responsible chosen as `choice` says (distribution for roles)."""

    choice: ResponsibleChoice


@dataclass(frozen=True)
class WriteField:
    field: str  # the custom field's name
    value: object


@dataclass(frozen=True)
class ScheduleTimer:
    """Deliver `TimerDue(key)` for this deal at `due` (replaces a timer of the same key)."""

    key: str
    due: datetime


@dataclass(frozen=True)
class CancelTimer:
    key: str


@dataclass(frozen=True)
class Remember:
    """Add `key` to the deal's once-only keys (so the same thing never happens twice)."""

    key: str


class RuleRejectReason(StrEnum):
    HANDOFF_UNKNOWN = "rules.reject.handoff_unknown"
    HANDOFF_NOT_OPEN = "rules.reject.handoff_not_open"
    HANDOFF_TAKEN = "rules.reject.handoff_taken"
    HANDOFF_NOT_ACCEPTED = "rules.reject.handoff_not_accepted"
    EMPTY_TEXT = "rules.reject.empty_text"
    NPS_NOT_OFFERED = "rules.reject.nps_not_offered"
    TASK_NOT_OPEN = "rules.reject.task_not_open"
    BAD_SCORE = "rules.reject.bad_score"


@dataclass(frozen=True)
class RuleReject:
    reason_key: RuleRejectReason
    detail: str = ""  # e.g. who already accepted


RuleOnly = (
    HandOff
    | AskFields
    | SetHandoff
    | CreateRuleTask
    | Tell
    | CreateLinkedDeal
    | ReassignTo
    | WriteField
    | ScheduleTimer
    | CancelTimer
    | Remember
    | RuleReject
)
RuleEffect = RuleOnly | Effect
_E = TypeVar("_E")


@dataclass(frozen=True)
class RuleDecision:
    effects: tuple[RuleEffect, ...] = ()

    @property
    def rejected(self) -> RuleReject | None:
        return next((e for e in self.effects if isinstance(e, RuleReject)), None)

    def of(self, kind: type[_E]) -> list[_E]:
        """The effects of one kind, in order (tests and the dry run read decisions this way)."""
        return [e for e in self.effects if isinstance(e, kind)]
