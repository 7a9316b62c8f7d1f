"""The stored escalation record and the vocabulary of rules, as plain data.

`EscalationState` maps onto one `escalations` row: `rule`, `subject_key`, `level`, `status`,
`opened_at`, `snoozed_until` are columns, `payload()` is the JSON column.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from nextstep.bot.playbook.sections.sla import Audience


class Rule(StrEnum):
    TAKE = "take"  # a new lead not taken in time
    OVERDUE_PILE = "overdue_pile"  # a manager with too many overdue tasks
    NO_TASK = "no_task"  # an open deal with no next step
    STUCK = "stuck"  # on one stage longer than its limit
    CLOSED_STAGE = "closed_stage"  # moved back out of won/lost
    HANDOVER = "handover"  # a task due while its manager is off for days
    NOBODY_ON_SHIFT = "nobody_on_shift"  # a new lead waits: no manager on shift


class Status(StrEnum):
    OPEN = "open"
    ACKED = "acked"
    SNOOZED = "snoozed"
    CLOSED = "closed"


FactValue = str | int | float | bool | datetime | tuple[int, ...] | None
Facts = tuple[tuple[str, FactValue], ...]


@dataclass(frozen=True, slots=True)
class EscalationState:
    """The stored record. `rule`, `subject_key`, `level`, `status`, `opened_at`,
    `snoozed_until` are columns of `escalations`; the rest goes in its `payload`."""

    rule: Rule
    subject_key: str
    level: int
    opened_at: datetime
    level_since: datetime  # when the current level's clock (re)started
    status: Status = Status.OPEN
    audience: int | None = None  # who holds the current level's card
    sent_level: int | None = None  # the level whose card was delivered (None: none yet)
    sent_to: int | None = None  # who got that card
    snoozed_until: datetime | None = None
    deferred_until: datetime | None = None  # the card waits for the audience's shift / quiet end
    facts: Facts = ()

    def payload(self) -> dict[str, Any]:
        """The JSON part of the record (datetimes as ISO strings, tuples as lists)."""
        return {
            "level_since": self.level_since.isoformat(),
            "audience": self.audience,
            "sent_level": self.sent_level,
            "sent_to": self.sent_to,
            "deferred_until": _iso(self.deferred_until),
            "facts": [[k, _json_value(v)] for k, v in self.facts],
        }

    @classmethod
    def from_record(
        cls,
        rule: str,
        subject_key: str,
        level: int,
        status: str,
        opened_at: datetime,
        snoozed_until: datetime | None,
        payload: Mapping[str, Any],
    ) -> EscalationState:
        deferred = payload.get("deferred_until")
        return cls(
            rule=Rule(rule),
            subject_key=subject_key,
            level=level,
            status=Status(status),
            opened_at=opened_at,
            level_since=datetime.fromisoformat(
                payload.get("level_since") or opened_at.isoformat()
            ),
            audience=payload.get("audience"),
            sent_level=payload.get("sent_level"),
            sent_to=payload.get("sent_to"),
            snoozed_until=snoozed_until,
            deferred_until=datetime.fromisoformat(deferred) if deferred else None,
            facts=tuple((k, _from_json(v)) for k, v in payload.get("facts", ())),
        )


def _since(payload: Mapping[str, Any], opened_at: datetime) -> datetime:
    since = payload.get("level_since")
    return datetime.fromisoformat(since) if since else opened_at


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _json_value(value: FactValue) -> Any:
    if isinstance(value, datetime):
        return {"dt": value.isoformat()}
    if isinstance(value, tuple):
        return list(value)
    return value


_PLAIN = frozenset({str, int, float, bool, type(None)})  # JSON scalars come back as they are


def _from_json(value: Any) -> FactValue:
    if type(value) in _PLAIN:  # most facts: one set lookup (every live record, every sweep)
        return value  # type: ignore[no-any-return]
    if isinstance(value, dict) and "dt" in value:
        return datetime.fromisoformat(value["dt"])
    if isinstance(value, list):
        return tuple(int(v) for v in value)
    if value is None or isinstance(value, str | int | float | bool):
        return value
    raise ValueError(f"not a fact value: {value!r}")


@dataclass(frozen=True, slots=True)
class Step:
    """One rung: who is told, and how long before the next rung (None: the last)."""

    to: Audience
    within: timedelta | None


Ladder = tuple[Step, ...]
