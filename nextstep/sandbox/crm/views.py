"""State objects → the JSON shapes amoCRM v4 answers with (docs/crm-wire-subset.md)."""

from __future__ import annotations

import zlib
from typing import Any

from .state import (
    Contact,
    CrmState,
    CustomField,
    Event,
    Lead,
    LossReason,
    Note,
    Pipeline,
    Status,
    Task,
    User,
)

JSON = dict[str, Any]


def self_link(href: str) -> JSON:
    return {"self": {"href": href}}


def account_json(state: CrmState) -> JSON:
    a = state.account
    return {
        "id": a.id,
        "name": a.name,
        "subdomain": a.subdomain,
        "created_at": a.created_at,
        "created_by": 0,
        "updated_at": a.created_at,
        "updated_by": 0,
        "current_user_id": min((u.id for u in state.users.values() if u.is_admin), default=0),
        "country": a.country,
        "currency": a.currency,
        "currency_symbol": "₽" if a.currency == "RUB" else a.currency,
        "customers_mode": "disabled",
        "is_unsorted_on": True,
        "is_loss_reason_enabled": True,
        "is_helpbot_enabled": False,
        "is_technical_account": True,
        "contact_name_display_order": 1,
        "timezone": a.timezone,
        "_links": self_link("/api/v4/account"),
    }


def user_json(user: User) -> JSON:
    return {
        "id": user.id,
        "name": user.name,
        "email": user.email,
        "lang": user.lang,
        "rights": {
            "leads": {"view": "A", "edit": "A", "add": "A", "delete": "A", "export": "A"},
            "contacts": {"view": "A", "edit": "A", "add": "A", "delete": "A", "export": "A"},
            "companies": {"view": "A", "edit": "A", "add": "A", "delete": "A", "export": "A"},
            "tasks": {"edit": "A", "delete": "A"},
            "mail_access": False,
            "catalog_access": False,
            "status_rights": [],
            "is_admin": user.is_admin,
            "is_free": user.is_free,
            "is_active": user.is_active,
            "group_id": user.group_id or None,
            "role_id": user.role_id,
        },
        "_links": self_link(f"/api/v4/users/{user.id}"),
    }


def status_json(state: CrmState, status: Status) -> JSON:
    return {
        "id": status.id,
        "name": status.name,
        "sort": status.sort,
        "is_editable": status.is_editable,
        "pipeline_id": status.pipeline_id,
        "color": status.color,
        "type": status.type,
        "account_id": state.account.id,
        "_links": self_link(f"/api/v4/leads/pipelines/{status.pipeline_id}/statuses/{status.id}"),
    }


def pipeline_json(state: CrmState, pipeline: Pipeline) -> JSON:
    return {
        "id": pipeline.id,
        "name": pipeline.name,
        "sort": pipeline.sort,
        "is_main": pipeline.is_main,
        "is_unsorted_on": pipeline.is_unsorted_on,
        "is_archive": pipeline.is_archive,
        "account_id": state.account.id,
        "_links": self_link(f"/api/v4/leads/pipelines/{pipeline.id}"),
        "_embedded": {
            "statuses": [
                status_json(state, s) for s in sorted(pipeline.statuses, key=lambda s: s.sort)
            ]
        },
    }


def loss_reason_json(reason: LossReason) -> JSON:
    return {
        "id": reason.id,
        "name": reason.name,
        "sort": reason.sort,
        "created_at": reason.created_at,
        "updated_at": reason.updated_at,
        "_links": self_link(f"/api/v4/leads/loss_reasons/{reason.id}"),
    }


def custom_field_json(state: CrmState, definition: CustomField) -> JSON:
    return {
        "id": definition.id,
        "name": definition.name,
        "type": definition.type,
        "account_id": state.account.id,
        "code": definition.code,
        "sort": definition.sort,
        "is_api_only": False,
        "enums": [
            {"id": e.id, "value": e.value, "sort": e.sort, "code": e.code}
            for e in definition.enums
        ]
        or None,
        "group_id": None,
        "required_statuses": [
            {"pipeline_id": p, "status_id": s} for p, s in definition.required_statuses
        ],
        "is_deletable": True,
        "is_predefined": False,
        "entity_type": definition.entity_type,
        "_links": self_link(f"/api/v4/{definition.entity_type}/custom_fields/{definition.id}"),
    }


def field_values_json(
    state: CrmState, fields: dict[int, list[dict[str, Any]]]
) -> list[JSON] | None:
    """`custom_fields_values`: null when the entity has none, as amoCRM answers."""
    out: list[JSON] = []
    for field_id, values in fields.items():
        definition = state.custom_fields.get(field_id)
        out.append(
            {
                "field_id": field_id,
                "field_name": definition.name if definition else "",
                "field_code": definition.code if definition else None,
                "field_type": definition.type if definition else "text",
                "values": [dict(v) for v in values],
            }
        )
    return out or None


def contact_json(state: CrmState, contact: Contact, *, with_leads: bool = False) -> JSON:
    """A contact as amoCRM answers it; `with=leads` embeds its leads' ids (sorted, with links)."""
    fields: list[JSON] = []
    if contact.phones:
        fields.append(
            {
                "field_id": 1,
                "field_name": "Телефон",
                "field_code": "PHONE",
                "field_type": "multitext",
                "values": [
                    {"value": p, "enum_id": 1, "enum_code": "WORK"} for p in contact.phones
                ],
            }
        )
    if contact.emails:
        fields.append(
            {
                "field_id": 2,
                "field_name": "Email",
                "field_code": "EMAIL",
                "field_type": "multitext",
                "values": [
                    {"value": e, "enum_id": 3, "enum_code": "WORK"} for e in contact.emails
                ],
            }
        )
    embedded: JSON = {"tags": []}
    if with_leads:
        lead_ids = sorted(
            lead.id
            for lead in state.leads.values()
            if contact.id in lead.contact_ids and not lead.is_deleted
        )
        embedded["leads"] = [
            {"id": i, "_links": self_link(f"/api/v4/leads/{i}")} for i in lead_ids
        ]
    return {
        "id": contact.id,
        "name": contact.name,
        "first_name": contact.first_name,
        "last_name": contact.last_name,
        "responsible_user_id": contact.responsible_user_id,
        "group_id": 0,
        "created_by": 0,
        "updated_by": 0,
        "created_at": contact.created_at,
        "updated_at": contact.updated_at,
        "closest_task_at": None,
        "is_deleted": False,
        "custom_fields_values": fields or None,
        "account_id": state.account.id,
        "_links": self_link(f"/api/v4/contacts/{contact.id}"),
        "_embedded": embedded,
    }


def lead_json(
    state: CrmState,
    lead: Lead,
    *,
    closest_task_at: int | None,
    with_contacts: bool = False,
    with_loss_reason: bool = False,
) -> JSON:
    embedded: JSON = {
        "tags": [
            {"id": zlib.crc32(t.encode()) % 100_000, "name": t, "color": None} for t in lead.tags
        ],
        "companies": [],
    }
    if with_contacts:
        embedded["contacts"] = [
            {"id": cid, "is_main": i == 0, "_links": self_link(f"/api/v4/contacts/{cid}")}
            for i, cid in enumerate(lead.contact_ids)
        ]
    if with_loss_reason and lead.loss_reason_id in state.loss_reasons:
        embedded["loss_reason"] = [loss_reason_json(state.loss_reasons[lead.loss_reason_id])]
    return {
        "id": lead.id,
        "name": lead.name,
        "price": lead.price,
        "responsible_user_id": lead.responsible_user_id,
        "group_id": lead.group_id,
        "status_id": lead.status_id,
        "pipeline_id": lead.pipeline_id,
        "loss_reason_id": lead.loss_reason_id,
        "created_by": lead.created_by,
        "updated_by": lead.updated_by,
        "created_at": lead.created_at,
        "updated_at": lead.updated_at,
        "closed_at": lead.closed_at,
        "closest_task_at": closest_task_at,
        "is_deleted": lead.is_deleted,
        "custom_fields_values": field_values_json(state, lead.custom_fields),
        "score": None,
        "account_id": state.account.id,
        "labor_cost": None,
        "_links": self_link(f"/api/v4/leads/{lead.id}"),
        "_embedded": embedded,
    }


def task_json(state: CrmState, task: Task) -> JSON:
    return {
        "id": task.id,
        "created_by": task.created_by,
        "updated_by": task.updated_by,
        "created_at": task.created_at,
        "updated_at": task.updated_at,
        "responsible_user_id": task.responsible_user_id,
        "group_id": task.group_id,
        "entity_id": task.entity_id,
        "entity_type": task.entity_type,
        "is_completed": task.is_completed,
        "task_type_id": task.task_type_id,
        "text": task.text,
        "duration": task.duration,
        "complete_till": task.complete_till,
        "result": {"text": task.result_text} if task.result_text is not None else [],
        "account_id": state.account.id,
        "_links": self_link(f"/api/v4/tasks/{task.id}"),
    }


def note_json(state: CrmState, note: Note) -> JSON:
    return {
        "id": note.id,
        "entity_id": note.entity_id,
        "created_by": note.created_by,
        "updated_by": note.created_by,
        "created_at": note.created_at,
        "updated_at": note.updated_at,
        "responsible_user_id": note.responsible_user_id,
        "group_id": 0,
        "note_type": note.note_type,
        "params": dict(note.params),
        "account_id": state.account.id,
        "_links": self_link(f"/api/v4/leads/{note.entity_id}/notes/{note.id}"),
    }


def event_json(state: CrmState, event: Event) -> JSON:
    return {
        "id": event.id,
        "type": event.type,
        "entity_id": event.entity_id,
        "entity_type": event.entity_type,
        "created_by": event.created_by,
        "created_at": event.created_at,
        "value_after": event.value_after,
        "value_before": event.value_before,
        "account_id": state.account.id,
        "_links": self_link(f"/api/v4/events/{event.id}"),
    }
