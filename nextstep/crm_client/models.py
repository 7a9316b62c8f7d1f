"""Neutral CRM models: the rest of Nextstep never sees amoCRM (or Bitrix24) JSON.

Timestamps are timezone-aware UTC datetimes; money is a float in the account currency.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from enum import IntEnum, StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

WON_STATUS_ID = 142
LOST_STATUS_ID = 143
#: Custom field types whose values are unix seconds (a "date" one is a day at local midnight).
DATE_FIELD_TYPES = frozenset({"date", "date_time", "birthday"})


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True)


class StageKind(StrEnum):
    UNSORTED = "unsorted"
    WORKING = "working"
    WON = "won"
    LOST = "lost"


class Stage(_Model):
    id: int
    pipeline_id: int
    name: str
    sort: int = 0
    kind: StageKind = StageKind.WORKING

    @property
    def is_closed(self) -> bool:
        return self.kind in (StageKind.WON, StageKind.LOST)


class Pipeline(_Model):
    id: int
    name: str
    sort: int = 0
    is_main: bool = False
    stages: tuple[Stage, ...] = ()

    def working_stages(self) -> list[Stage]:
        """Working stages in pipeline order: what "first working stage" and "next" refer to."""
        return sorted(
            (s for s in self.stages if s.kind is StageKind.WORKING), key=lambda s: (s.sort, s.id)
        )


class User(_Model):
    id: int
    name: str
    email: str = ""
    is_admin: bool = False
    is_active: bool = True
    group_id: int | None = None
    lang: str = "ru"


class LossReason(_Model):
    id: int
    name: str
    sort: int = 0


class CustomFieldValue(_Model):
    field_id: int
    field_name: str = ""
    field_code: str | None = None
    values: tuple[Any, ...] = ()
    field_type: str | None = None  # amoCRM's `field_type`: "date" values are unix seconds

    @property
    def is_date(self) -> bool:
        return self.field_type in DATE_FIELD_TYPES

    @property
    def first(self) -> Any:
        return self.values[0] if self.values else None


class Contact(_Model):
    id: int
    name: str = ""
    phone: str | None = None
    email: str | None = None


class Deal(_Model):
    id: int
    name: str = ""
    price: float = 0
    pipeline_id: int
    status_id: int
    responsible_user_id: int
    created_at: datetime
    updated_at: datetime
    closed_at: datetime | None = None
    closest_task_at: datetime | None = None
    loss_reason_id: int | None = None
    is_deleted: bool = False
    source: str | None = None
    custom_fields: tuple[CustomFieldValue, ...] = ()
    contacts: tuple[Contact, ...] = ()
    contact_ids: tuple[int, ...] = ()
    tags: tuple[str, ...] = ()

    @property
    def is_closed(self) -> bool:
        return self.status_id in (WON_STATUS_ID, LOST_STATUS_ID)

    def field_def(self, key: int | str) -> CustomFieldValue | None:
        """The custom field by id, code or name, with its type and values, or None."""
        for cf in self.custom_fields:
            if key in (cf.field_id, cf.field_code, cf.field_name):
                return cf
        return None

    def field(self, key: int | str) -> Any:
        """Value of a custom field by id, code or name (first value), or None."""
        for cf in self.custom_fields:
            if key in (cf.field_id, cf.field_code, cf.field_name):
                return cf.first
        return None


class TaskType(IntEnum):
    CALL = 1
    MEETING = 2


class Task(_Model):
    id: int
    text: str = ""
    task_type_id: int = TaskType.CALL
    entity_type: str | None = "leads"
    entity_id: int | None = None
    responsible_user_id: int
    complete_till: datetime
    is_completed: bool = False
    result_text: str | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None

    def is_overdue(self, now: datetime) -> bool:
        return not self.is_completed and self.complete_till < now


class CrmEventType(StrEnum):
    """What happened, in neutral terms (webhooks and the events feed map onto these)."""

    DEAL_ADDED = "deal_added"
    DEAL_UPDATED = "deal_updated"
    DEAL_DELETED = "deal_deleted"
    DEAL_STATUS_CHANGED = "deal_status_changed"
    DEAL_RESPONSIBLE_CHANGED = "deal_responsible_changed"
    TASK_ADDED = "task_added"
    TASK_UPDATED = "task_updated"
    TASK_DELETED = "task_deleted"
    TASK_COMPLETED = "task_completed"
    NOTE_ADDED = "note_added"
    OTHER = "other"


class CrmEvent(_Model):
    """A hint that something changed. Act on the entity as re-read through the API."""

    type: CrmEventType
    entity: str  # "lead", "task", "contact", ...
    entity_id: int
    event_id: str | None = None  # the events feed's id; None for webhooks
    occurred_at: datetime | None = None
    pipeline_id: int | None = None
    status_id: int | None = None
    old_status_id: int | None = None
    old_pipeline_id: int | None = None
    responsible_user_id: int | None = None
    created_by: int | None = None
    account_id: int | None = None
    raw: dict[str, Any] = Field(default_factory=dict)

    def dedup_key(self) -> str:
        """Stable key so a resent webhook (same change) is processed once."""
        if self.event_id:
            return f"evt:{self.event_id}"
        stamp = int(self.occurred_at.timestamp()) if self.occurred_at else 0
        # Two different changes to one deal within a second share the fields above; the body
        # as sent tells them apart, while a resent webhook repeats it byte for byte.
        body = json.dumps(self.raw, sort_keys=True, ensure_ascii=False, default=str)
        digest = hashlib.sha256(body.encode()).hexdigest()[:16]
        return (
            f"{self.type}:{self.entity}:{self.entity_id}:{self.status_id}:"
            f"{self.responsible_user_id}:{stamp}:{digest}"
        )


class Account(_Model):
    id: int
    name: str
    subdomain: str
    timezone: str = "Europe/Moscow"
    currency: str = "RUB"


class CallNote(_Model):
    """A call note (`call_out` / `call_in`)."""

    entity_id: int
    direction: str = "outbound"  # outbound → call_out, inbound → call_in
    phone: str = ""
    duration: int = 0
    source: str = "nextstep"
    uniq: str = ""
    link: str | None = None
    call_status: int | None = None  # 4 = conversation took place, 6 = no answer, ...
    call_result: str | None = None
    responsible_user_id: int | None = None


class DealPatch(_Model):
    """Fields to change on a deal; None means "leave as is"."""

    name: str | None = None
    price: float | None = None
    status_id: int | None = None
    pipeline_id: int | None = None
    responsible_user_id: int | None = None
    loss_reason_id: int | None = None
    custom_fields: dict[int, Any] | None = None


class NewDeal(_Model):
    name: str
    pipeline_id: int
    status_id: int | None = None
    price: float | None = None
    responsible_user_id: int | None = None
    custom_fields: dict[int, Any] | None = None
    contact_ids: tuple[int, ...] = ()


class NewTask(_Model):
    text: str
    complete_till: datetime
    entity_id: int
    entity_type: str = "leads"
    task_type_id: int = TaskType.CALL
    responsible_user_id: int | None = None


class TaskPatch(_Model):
    text: str | None = None
    complete_till: datetime | None = None
    responsible_user_id: int | None = None


class WebhookBatch(_Model):
    """One webhook delivery: which account sent it and the changes it announces."""

    account_id: int | None = None
    subdomain: str | None = None
    events: list[CrmEvent] = Field(default_factory=list)


class CustomFieldDef(_Model):
    """A custom field as the account defines it (for writing a field known by name)."""

    id: int
    name: str
    type: str = "text"
    code: str | None = None
    enums: dict[str, int] = Field(default_factory=dict)  # value → enum id (select fields)
