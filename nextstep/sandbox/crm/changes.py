"""Every change the sandbox CRM makes, in one place: apply it, log the event, fire the webhook.

The API routes and the `/_sandbox` control routes both go through these functions, so a lead
moved "by a person in the CRM" leaves the same trail (events feed + webhook) as one moved by the
bot through the API, exactly as in amoCRM.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from . import webhooks
from .state import (
    LOST_STATUS_ID,
    WON_STATUS_ID,
    Contact,
    CrmState,
    Event,
    Lead,
    Note,
    Task,
)
from .validation import Collector, as_int

LEAD_ID_START = 20_000_001
TASK_ID_START = 30_000_001
NOTE_ID_START = 40_000_001
CONTACT_ID_START = 50_000_001

CALL_NOTE_EVENT = {"call_out": "outgoing_call", "call_in": "incoming_call"}


# --- events ----------------------------------------------------------------------------------


def record_event(
    state: CrmState,
    type_: str,
    entity_type: str,
    entity_id: int,
    *,
    by: int = 0,
    after: list[dict[str, Any]] | None = None,
    before: list[dict[str, Any]] | None = None,
    at: int | None = None,
) -> Event:
    """Append an events-feed entry; ids are strings, as amoCRM's are."""
    seq = state.next_event_seq()
    event = Event(
        id=f"01sbx{seq:021d}",
        seq=seq,
        type=type_,
        entity_type=entity_type,
        entity_id=entity_id,
        created_by=by,
        created_at=state.now() if at is None else at,
        value_after=after or [],
        value_before=before or [],
    )
    state.events.append(event)
    return event


def status_value(status_id: int, pipeline_id: int) -> list[dict[str, Any]]:
    return [{"lead_status": {"id": status_id, "pipeline_id": pipeline_id}}]


def responsible_value(user_id: int) -> list[dict[str, Any]]:
    return [{"responsible_user": {"id": user_id}}]


# --- custom fields ---------------------------------------------------------------------------


def parse_custom_fields(
    state: CrmState, raw: Any, errors: Collector
) -> dict[int, list[dict[str, Any]] | None]:
    """`custom_fields_values` (by field_id or field_code) → field id → values (None = clear)."""
    parsed: dict[int, list[dict[str, Any]] | None] = {}
    if raw is None:
        return parsed
    if not isinstance(raw, list):
        errors.add("InvalidType", "custom_fields_values", "This value should be of type array.")
        return parsed
    for i, item in enumerate(raw):
        path = f"custom_fields_values.{i}"
        if not isinstance(item, dict):
            errors.add("InvalidType", path, "This value should be of type object.")
            continue
        field_id = as_int(item.get("field_id"))
        definition = state.custom_fields.get(field_id) if field_id is not None else None
        if definition is None and item.get("field_code"):
            definition = state.field_by_code(str(item["field_code"]))
        if definition is None:
            errors.add("NotSupportedChoice", f"{path}.field_id", "The field does not exist.")
            continue
        values = item.get("values")
        if values is None:
            parsed[definition.id] = None
            continue
        if not isinstance(values, list):
            errors.add("InvalidType", f"{path}.values", "This value should be of type array.")
            continue
        out: list[dict[str, Any]] = []
        for j, value in enumerate(values):
            vpath = f"{path}.values.{j}"
            if not isinstance(value, dict):
                value = {"value": value}
            if definition.enums:
                enum = None
                if as_int(value.get("enum_id")) is not None:
                    enum = definition.enum_by_id(int(value["enum_id"]))
                elif value.get("enum_code"):
                    enum = next(
                        (e for e in definition.enums if e.code == value["enum_code"]), None
                    )
                elif value.get("value") is not None:
                    enum = definition.enum_by_value(str(value["value"]))
                if enum is None:
                    errors.add("NotSupportedChoice", vpath, "The value is not one of the choices.")
                    continue
                out.append({"value": enum.value, "enum_id": enum.id, "enum_code": enum.code})
            elif value.get("value") is None:
                errors.add("NotBlank", f"{vpath}.value", "This value should not be blank.")
            else:
                out.append({"value": value["value"]})
        parsed[definition.id] = out
    return parsed


def merged_fields(
    current: dict[int, list[dict[str, Any]]], patch: dict[int, list[dict[str, Any]] | None]
) -> dict[int, list[dict[str, Any]]]:
    merged = dict(current)
    for field_id, values in patch.items():
        if values:
            merged[field_id] = values
        else:
            merged.pop(field_id, None)
    return merged


def check_required_fields(
    state: CrmState,
    fields: dict[int, list[dict[str, Any]]],
    pipeline_id: int,
    status_id: int,
    errors: Collector,
) -> None:
    """A stage may demand fields (amoCRM `required_statuses`): refuse the move without them."""
    for definition in state.custom_fields.values():
        if (pipeline_id, status_id) in definition.required_statuses and not fields.get(
            definition.id
        ):
            errors.add(
                "FieldIsRequired",
                f"custom_fields_values.{definition.id}",
                f"Field {definition.name!r} ({definition.id}) is required for status "
                f"{status_id} of pipeline {pipeline_id}.",
            )


# --- leads -----------------------------------------------------------------------------------


@dataclass
class LeadInput:
    """A validated lead write: only the keys that were sent are set."""

    name: str | None = None
    price: int | None = None
    status_id: int | None = None
    pipeline_id: int | None = None
    responsible_user_id: int | None = None
    loss_reason_id: int | None = None
    clear_loss_reason: bool = False
    custom_fields: dict[int, list[dict[str, Any]] | None] = field(default_factory=dict)
    contact_ids: list[int] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    updated_by: int | None = None


def create_lead(state: CrmState, data: LeadInput, *, by: int = 0) -> Lead:
    """Create a validated lead: event `lead_added`, webhook `leads[add]`."""
    now = state.now()
    pipeline = (
        state.pipelines[data.pipeline_id]
        if data.pipeline_id is not None
        else state.main_pipeline()
    )
    status_id = data.status_id if data.status_id is not None else pipeline.first_working().id
    responsible = data.responsible_user_id or by or min(state.users, default=0)
    user = state.users.get(responsible)
    lead = Lead(
        id=state.next_id("lead", LEAD_ID_START),
        name=data.name if data.name is not None else f"Сделка #{now}",
        price=data.price or 0,
        status_id=status_id,
        pipeline_id=pipeline.id,
        responsible_user_id=responsible,
        group_id=user.group_id if user else 0,
        loss_reason_id=data.loss_reason_id,
        created_by=by,
        updated_by=by,
        created_at=now,
        updated_at=now,
        closed_at=now if status_id in (WON_STATUS_ID, LOST_STATUS_ID) else None,
        custom_fields=merged_fields({}, data.custom_fields),
        contact_ids=list(data.contact_ids),
        tags=list(data.tags),
    )
    state.leads[lead.id] = lead
    record_event(
        state,
        "lead_added",
        "lead",
        lead.id,
        by=by,
        after=status_value(lead.status_id, lead.pipeline_id),
    )
    state.notify(webhooks.lead_hook(state, lead, "add"))
    return lead


def update_lead(state: CrmState, lead: Lead, data: LeadInput, *, by: int = 0) -> None:
    """Apply a validated patch; events and webhooks for status and responsible changes."""
    now = state.now()
    by = data.updated_by if data.updated_by is not None else by
    old_status, old_pipeline = lead.status_id, lead.pipeline_id
    old_responsible = lead.responsible_user_id
    if data.name is not None:
        lead.name = data.name
    if data.price is not None:
        lead.price = data.price
    if data.pipeline_id is not None:
        lead.pipeline_id = data.pipeline_id
        if data.status_id is None:
            lead.status_id = state.pipelines[data.pipeline_id].first_working().id
    if data.status_id is not None:
        lead.status_id = data.status_id
    if data.responsible_user_id is not None:
        lead.responsible_user_id = data.responsible_user_id
        user = state.users.get(data.responsible_user_id)
        lead.group_id = user.group_id if user else lead.group_id
    if data.loss_reason_id is not None:
        lead.loss_reason_id = data.loss_reason_id
    elif data.clear_loss_reason:
        lead.loss_reason_id = None
    if data.custom_fields:
        lead.custom_fields = merged_fields(lead.custom_fields, data.custom_fields)
    if data.tags:
        lead.tags = sorted(set(lead.tags) | set(data.tags))
    lead.updated_at = now
    lead.updated_by = by

    status_changed = (lead.status_id, lead.pipeline_id) != (old_status, old_pipeline)
    if status_changed:
        closed = lead.status_id in (WON_STATUS_ID, LOST_STATUS_ID)
        lead.closed_at = now if closed else None
        record_event(
            state,
            "lead_status_changed",
            "lead",
            lead.id,
            by=by,
            after=status_value(lead.status_id, lead.pipeline_id),
            before=status_value(old_status, old_pipeline),
        )
        state.notify(
            webhooks.lead_hook(
                state, lead, "status", old_status_id=old_status, old_pipeline_id=old_pipeline
            )
        )
    if lead.responsible_user_id != old_responsible:
        record_event(
            state,
            "entity_responsible_changed",
            "lead",
            lead.id,
            by=by,
            after=responsible_value(lead.responsible_user_id),
            before=responsible_value(old_responsible),
        )
        state.notify(
            webhooks.lead_hook(state, lead, "responsible", old_responsible_user_id=old_responsible)
        )
    state.notify(webhooks.lead_hook(state, lead, "update"))


# --- tasks -----------------------------------------------------------------------------------


@dataclass
class TaskInput:
    text: str | None = None
    complete_till: int | None = None
    responsible_user_id: int | None = None
    entity_id: int | None = None
    entity_type: str | None = None
    task_type_id: int | None = None
    duration: int | None = None
    is_completed: bool | None = None
    result_text: str | None = None


def create_task(state: CrmState, data: TaskInput, *, by: int = 0) -> Task:
    """Create a validated task: event `task_added`, webhook `task[add]`."""
    now = state.now()
    responsible = data.responsible_user_id
    if responsible is None and data.entity_type == "leads" and data.entity_id in state.leads:
        responsible = state.leads[data.entity_id].responsible_user_id
    responsible = responsible or by or min(state.users, default=0)
    user = state.users.get(responsible)
    assert data.text is not None
    assert data.complete_till is not None
    task = Task(
        id=state.next_id("task", TASK_ID_START),
        text=data.text,
        complete_till=data.complete_till,
        responsible_user_id=responsible,
        entity_id=data.entity_id,
        entity_type=data.entity_type if data.entity_id is not None else None,
        task_type_id=data.task_type_id or 1,
        is_completed=bool(data.is_completed),
        result_text=data.result_text,
        duration=data.duration or 0,
        group_id=user.group_id if user else 0,
        created_by=by,
        updated_by=by,
        created_at=now,
        updated_at=now,
    )
    state.tasks[task.id] = task
    record_event(state, "task_added", "task", task.id, by=by, after=[{"task": {"id": task.id}}])
    state.notify(webhooks.task_hook(state, task, "add"))
    return task


def update_task(state: CrmState, task: Task, data: TaskInput, *, by: int = 0) -> None:
    """Apply a validated task patch: deadline, responsible, result, completion."""
    now = state.now()
    old_deadline, old_responsible = task.complete_till, task.responsible_user_id
    closed_now = bool(data.is_completed) and not task.is_completed
    if data.text is not None:
        task.text = data.text
    if data.complete_till is not None:
        task.complete_till = data.complete_till
    if data.responsible_user_id is not None:
        task.responsible_user_id = data.responsible_user_id
    if data.task_type_id is not None:
        task.task_type_id = data.task_type_id
    if data.duration is not None:
        task.duration = data.duration
    if data.result_text is not None:
        task.result_text = data.result_text
    if data.is_completed is not None:
        task.is_completed = data.is_completed
    task.updated_at = now
    task.updated_by = by
    if task.complete_till != old_deadline:
        record_event(
            state,
            "task_deadline_changed",
            "task",
            task.id,
            by=by,
            after=[{"task_deadline": {"timestamp": task.complete_till}}],
            before=[{"task_deadline": {"timestamp": old_deadline}}],
        )
    if task.responsible_user_id != old_responsible:
        record_event(
            state,
            "entity_responsible_changed",
            "task",
            task.id,
            by=by,
            after=responsible_value(task.responsible_user_id),
            before=responsible_value(old_responsible),
        )
    if data.result_text is not None:
        record_event(
            state,
            "task_result_added",
            "task",
            task.id,
            by=by,
            after=[{"task_result": {"text": data.result_text}}],
        )
    if closed_now:
        record_event(
            state,
            "task_completed",
            "task",
            task.id,
            by=by,
            after=[{"task_completion_status": True}],
            before=[{"task_completion_status": False}],
        )
    state.notify(webhooks.task_hook(state, task, "update", closed_now=closed_now))


# --- notes, contacts, bots -------------------------------------------------------------------


def add_note(
    state: CrmState, lead: Lead, note_type: str, params: dict[str, Any], *, by: int = 0
) -> Note:
    """A note on a lead: event `common_note_added` / `outgoing_call` / `incoming_call`."""
    now = state.now()
    note = Note(
        id=state.next_id("note", NOTE_ID_START),
        entity_id=lead.id,
        note_type=note_type,
        params=dict(params),
        created_by=by,
        responsible_user_id=lead.responsible_user_id,
        created_at=now,
        updated_at=now,
    )
    state.notes[note.id] = note
    event_type = CALL_NOTE_EVENT.get(note_type, f"{note_type}_note_added")
    record_event(state, event_type, "lead", lead.id, by=by, after=[{"note": {"id": note.id}}])
    state.notify(webhooks.note_hook(state, note))
    return note


def add_contact(
    state: CrmState,
    name: str,
    *,
    phones: list[str] | None = None,
    emails: list[str] | None = None,
    responsible_user_id: int = 0,
) -> Contact:
    now = state.now()
    first, _, last = name.partition(" ")
    contact = Contact(
        id=state.next_id("contact", CONTACT_ID_START),
        name=name,
        first_name=first,
        last_name=last,
        responsible_user_id=responsible_user_id,
        phones=list(phones or []),
        emails=list(emails or []),
        created_at=now,
        updated_at=now,
    )
    state.contacts[contact.id] = contact
    return contact
