"""A deal's `RuleState` as the JSON kept in `deal_rules`, plus what only the runtime needs:
the rule tasks enqueued but not yet created (their CRM ids come from the CRM later)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from nextstep.bot.engine.rules.facts import HandoffState, HandoffStatus, RuleState
from nextstep.bot.engine.rules.handoff import TIMER_PREFIX
from nextstep.bot.playbook.resolved import StagePlace
from nextstep.bot.storage.dialect import insert
from nextstep.bot.storage.models import DealRules
from nextstep.crm_client.models import Task


@dataclass(frozen=True)
class PendingTask:
    """A rule task as enqueued: found again among the deal's open tasks by text and owner."""

    text: str
    responsible_user_id: int | None


@dataclass
class RulesRecord:
    """The mutable working copy of one deal's rule memory inside a transaction."""

    handoffs: dict[str, HandoffState] = field(default_factory=dict)
    timers: dict[str, datetime] = field(default_factory=dict)
    done: set[str] = field(default_factory=set)
    tasks: dict[str, PendingTask] = field(default_factory=dict)

    def state(self) -> RuleState:
        return RuleState(dict(self.handoffs), dict(self.timers), frozenset(self.done))

    def find_task_ids(self, open_tasks: list[Task]) -> None:
        """An accepted hand-off learns its task's CRM id once the task exists."""
        for name, ho in list(self.handoffs.items()):
            pending = self.tasks.get(f"{TIMER_PREFIX}{name}")
            if ho.status is not HandoffStatus.ACCEPTED or ho.task_id is not None or not pending:
                continue
            found = next(
                (
                    t.id
                    for t in open_tasks
                    if t.text == pending.text
                    and pending.responsible_user_id in (None, t.responsible_user_id)
                ),
                None,
            )
            if found is not None:
                self.handoffs[name] = replace(ho, task_id=found)


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _when(value: Any) -> datetime | None:
    return datetime.fromisoformat(value) if isinstance(value, str) else None


def _handoff_json(ho: HandoffState) -> dict[str, Any]:
    held = ho.held_at
    return {
        "status": ho.status.value,
        "sent_at": _iso(ho.sent_at),
        "accepted_by": ho.accepted_by,
        "accepted_name": ho.accepted_name,
        "task_id": ho.task_id,
        "held_at": [held.pipeline_id, held.status_id] if held is not None else None,
    }


def _handoff(data: dict[str, Any]) -> HandoffState:
    held = data.get("held_at")
    return HandoffState(
        status=HandoffStatus(data["status"]),
        sent_at=_when(data.get("sent_at")),
        accepted_by=data.get("accepted_by"),
        accepted_name=str(data.get("accepted_name") or ""),
        task_id=data.get("task_id"),
        held_at=StagePlace(int(held[0]), int(held[1])) if held else None,
    )


def to_json(record: RulesRecord) -> dict[str, Any]:
    return {
        "handoffs": {k: _handoff_json(v) for k, v in sorted(record.handoffs.items())},
        "timers": {k: v.isoformat() for k, v in sorted(record.timers.items())},
        "done": sorted(record.done),
        "tasks": {
            k: {"text": v.text, "responsible_user_id": v.responsible_user_id}
            for k, v in sorted(record.tasks.items())
        },
    }


def from_json(data: dict[str, Any]) -> RulesRecord:
    timers = {k: _when(v) for k, v in dict(data.get("timers") or {}).items()}
    return RulesRecord(
        handoffs={k: _handoff(v) for k, v in dict(data.get("handoffs") or {}).items()},
        timers={k: v for k, v in timers.items() if v is not None},
        done=set(data.get("done") or ()),
        tasks={
            k: PendingTask(str(v.get("text", "")), v.get("responsible_user_id"))
            for k, v in dict(data.get("tasks") or {}).items()
        },
    )


async def load(session: AsyncSession, deal_id: int) -> RulesRecord:
    row = await session.get(DealRules, deal_id, populate_existing=True)
    return from_json(row.state) if row is not None else RulesRecord()


async def save(session: AsyncSession, deal_id: int, record: RulesRecord, now: datetime) -> None:
    data = to_json(record)
    stmt = insert(session, DealRules).values(deal_id=deal_id, state=data, updated_at=now)
    stmt = stmt.on_conflict_do_update(
        index_elements=["deal_id"], set_={"state": data, "updated_at": now}
    )
    await session.execute(stmt)
