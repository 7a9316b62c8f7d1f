"""One `kind="crm"` payload → one CrmClient call (shapes in docs/bot-layer.md).

Payload datetimes are ISO strings with an offset; the neutral models parse them. A naive one
(no offset) is refused rather than guessed, since a wrong zone moves a task by hours.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from nextstep.crm_client.models import CallNote, DealPatch, NewDeal, NewTask, Task, TaskPatch
from nextstep.crm_client.protocol import CrmClient

OPS = frozenset(
    {
        "update_deal",
        "create_task",
        "complete_task",
        "update_task",
        "add_note",
        "add_call_note",
        "run_salesbot",
        "create_deal",
    }
)


class BadPayload(ValueError):
    """The row cannot be turned into a CRM call (a bug in whoever enqueued it)."""


def deal_id_of(payload: dict[str, Any]) -> int | None:
    deal_id = payload.get("deal_id")
    return deal_id if isinstance(deal_id, int) else None


def new_task(payload: dict[str, Any]) -> NewTask:
    spec = dict(_obj(payload, "task"))
    spec.setdefault("entity_id", payload.get("deal_id"))
    task = NewTask.model_validate(spec)
    _aware(task.complete_till, "task.complete_till")
    return task


async def perform(crm: CrmClient, payload: dict[str, Any]) -> dict[str, Any]:
    """Do the write; returns what to keep in `outbox.result` (new ids)."""
    op = payload.get("op")
    if op == "update_deal":
        await crm.update_deal(
            _int(payload, "deal_id"), DealPatch.model_validate(_obj(payload, "patch"))
        )
        return {}
    if op == "create_task":
        return {"task_id": await crm.create_task(new_task(payload))}
    if op == "complete_task":
        await crm.complete_task(_int(payload, "task_id"), str(payload.get("result_text", "")))
        return {}
    if op == "update_task":
        patch = TaskPatch.model_validate(_obj(payload, "patch"))
        if patch.complete_till is not None:
            _aware(patch.complete_till, "patch.complete_till")
        await crm.update_task(_int(payload, "task_id"), patch)
        return {}
    if op == "add_note":
        return {"note_id": await crm.add_note(_int(payload, "deal_id"), str(payload["text"]))}
    if op == "add_call_note":
        spec = dict(_obj(payload, "note"))
        spec.setdefault("entity_id", payload.get("deal_id"))
        return {"note_id": await crm.add_call_note(CallNote.model_validate(spec))}
    if op == "run_salesbot":
        await crm.run_salesbot(_int(payload, "bot_id"), _int(payload, "deal_id"))
        return {}
    if op == "create_deal":
        return {"deal_id": await crm.create_deal(NewDeal.model_validate(_obj(payload, "deal")))}
    raise BadPayload(f"unknown CRM op {op!r}")


async def find_landed_task(crm: CrmClient, task: NewTask) -> Task | None:
    """An open task on the same deal with the same text and due time: an earlier try whose
    answer was lost (timeout, 5xx after the write) already created it."""
    due = int(task.complete_till.timestamp())
    async for existing in crm.iter_tasks(entity_id=task.entity_id, is_completed=False):
        if (
            existing.entity_id == task.entity_id
            and existing.text == task.text
            and int(existing.complete_till.timestamp()) == due
        ):
            return existing
    return None


def _obj(payload: dict[str, Any], key: str) -> dict[str, Any]:
    value = payload.get(key)
    if not isinstance(value, dict):
        raise BadPayload(f"{key!r} must be an object, got {value!r}")
    return value


def _int(payload: dict[str, Any], key: str) -> int:
    value = payload.get(key)
    if not isinstance(value, int) or isinstance(value, bool):
        raise BadPayload(f"{key!r} must be an integer, got {value!r}")
    return value


def _aware(moment: datetime, name: str) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise BadPayload(f"{name} has no UTC offset: {moment.isoformat()}")
    return moment.astimezone(UTC)
