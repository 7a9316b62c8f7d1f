"""amoCRM v4 JSON ↔ neutral models. Pure functions: no I/O, easy to test with captured bodies."""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, ParamSpec, TypeVar

from nextstep.crm_client.errors import CrmResponseError
from nextstep.crm_client.models import (
    LOST_STATUS_ID,
    WON_STATUS_ID,
    Account,
    CallNote,
    Contact,
    CrmEvent,
    CrmEventType,
    CustomFieldDef,
    CustomFieldValue,
    Deal,
    DealPatch,
    LossReason,
    NewDeal,
    NewTask,
    Pipeline,
    Stage,
    StageKind,
    Task,
    TaskPatch,
    User,
)

UNSORTED_STATUS_TYPE = 1
LEADS_ENTITY_TYPE_CODE = 2  # the numeric "leads" entity type (Salesbot run, legacy webhooks)
SOURCE_FIELD_CODES = frozenset({"SOURCE"})
SOURCE_FIELD_NAMES = frozenset({"источник", "source"})

JSON = dict[str, Any]
P = ParamSpec("P")
R = TypeVar("R")


def checked(fn: Callable[P, R]) -> Callable[P, R]:
    """A reader that meets an unexpected shape raises CrmResponseError, not KeyError."""

    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return fn(*args, **kwargs)
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise CrmResponseError(f"{fn.__name__}: unexpected shape ({exc!r})") from exc

    return wrapper


# --- small converters ------------------------------------------------------------------------


def ts_to_dt(value: Any) -> datetime | None:
    """Unix seconds (int, float or numeric string) → aware UTC datetime; 0/None/"" → None."""
    if value is None or value == "" or isinstance(value, bool):
        return None
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        return None
    if seconds <= 0:
        return None
    return datetime.fromtimestamp(seconds, UTC)


def dt_to_ts(value: datetime) -> int:
    if value.tzinfo is None:
        raise ValueError("naive datetime: give an aware one (UTC inside)")
    return int(value.timestamp())


def opt_int(value: Any) -> int | None:
    if value is None or value == "" or isinstance(value, bool):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _embedded(body: Any, key: str) -> list[JSON]:
    if not isinstance(body, Mapping):
        return []
    items = (body.get("_embedded") or {}).get(key) or []
    return [item for item in items if isinstance(item, dict)]


# --- reads -----------------------------------------------------------------------------------


@checked
def account_from_json(data: JSON) -> Account:
    return Account(
        id=int(data["id"]),
        name=str(data.get("name") or ""),
        subdomain=str(data.get("subdomain") or ""),
        timezone=str(data.get("timezone") or "Europe/Moscow"),
        currency=str(data.get("currency") or "RUB"),
    )


@checked
def user_from_json(data: JSON) -> User:
    rights = data.get("rights") or {}
    return User(
        id=int(data["id"]),
        name=str(data.get("name") or ""),
        email=str(data.get("email") or ""),
        is_admin=bool(rights.get("is_admin", False)),
        is_active=bool(rights.get("is_active", True)),
        group_id=opt_int(rights.get("group_id")),
        lang=str(data.get("lang") or "ru"),
    )


def stage_kind(status: JSON) -> StageKind:
    status_id = int(status["id"])
    if status_id == WON_STATUS_ID:
        return StageKind.WON
    if status_id == LOST_STATUS_ID:
        return StageKind.LOST
    if opt_int(status.get("type")) == UNSORTED_STATUS_TYPE:
        return StageKind.UNSORTED
    return StageKind.WORKING


@checked
def pipeline_from_json(data: JSON) -> Pipeline:
    pipeline_id = int(data["id"])
    stages = tuple(
        Stage(
            id=int(s["id"]),
            pipeline_id=opt_int(s.get("pipeline_id")) or pipeline_id,
            name=str(s.get("name") or ""),
            sort=opt_int(s.get("sort")) or 0,
            kind=stage_kind(s),
        )
        for s in _embedded(data, "statuses")
    )
    return Pipeline(
        id=pipeline_id,
        name=str(data.get("name") or ""),
        sort=opt_int(data.get("sort")) or 0,
        is_main=bool(data.get("is_main", False)),
        stages=stages,
    )


@checked
def loss_reason_from_json(data: JSON) -> LossReason:
    return LossReason(
        id=int(data["id"]), name=str(data.get("name") or ""), sort=opt_int(data.get("sort")) or 0
    )


def custom_field_def_from_json(data: JSON) -> CustomFieldDef:
    enums = data.get("enums") or []
    return CustomFieldDef(
        id=int(data["id"]),
        name=str(data.get("name") or ""),
        type=str(data.get("type") or "text"),
        code=data.get("code") or None,
        enums={str(e.get("value")): int(e["id"]) for e in enums if isinstance(e, dict)},
    )


def custom_fields_from_json(raw: Any) -> tuple[CustomFieldValue, ...]:
    """`custom_fields_values` (an array, or null when the lead has none)."""
    if not isinstance(raw, list):
        return ()
    fields = []
    for cf in raw:
        if not isinstance(cf, dict) or opt_int(cf.get("field_id")) is None:
            continue
        values = tuple(
            v.get("value") if isinstance(v, dict) else v for v in cf.get("values") or []
        )
        fields.append(
            CustomFieldValue(
                field_id=int(cf["field_id"]),
                field_name=str(cf.get("field_name") or ""),
                field_code=cf.get("field_code") or None,
                values=values,
                field_type=cf.get("field_type") or None,
            )
        )
    return tuple(fields)


def deal_source(fields: Sequence[CustomFieldValue]) -> str | None:
    """The lead source: the custom field coded SOURCE (or named "Источник"/"Source")."""
    by_code = [cf for cf in fields if (cf.field_code or "").upper() in SOURCE_FIELD_CODES]
    by_name = [cf for cf in fields if cf.field_name.strip().lower() in SOURCE_FIELD_NAMES]
    for cf in (*by_code, *by_name):
        if cf.first not in (None, ""):
            return str(cf.first)
    return None


@checked
def deal_from_json(data: JSON) -> Deal:
    fields = custom_fields_from_json(data.get("custom_fields_values"))
    embedded = data.get("_embedded") or {}
    contacts = [c for c in embedded.get("contacts") or [] if isinstance(c, dict)]
    contacts.sort(key=lambda c: not c.get("is_main", False))  # main contact first
    created_at = ts_to_dt(data.get("created_at")) or datetime.fromtimestamp(0, UTC)
    return Deal(
        id=int(data["id"]),
        name=str(data.get("name") or ""),
        price=float(data.get("price") or 0),
        pipeline_id=int(data["pipeline_id"]),
        status_id=int(data["status_id"]),
        responsible_user_id=int(data.get("responsible_user_id") or 0),
        created_at=created_at,
        updated_at=ts_to_dt(data.get("updated_at")) or created_at,
        closed_at=ts_to_dt(data.get("closed_at")),
        closest_task_at=ts_to_dt(data.get("closest_task_at")),
        loss_reason_id=opt_int(data.get("loss_reason_id")) or None,
        is_deleted=bool(data.get("is_deleted", False)),
        source=deal_source(fields),
        custom_fields=fields,
        contact_ids=tuple(int(c["id"]) for c in contacts if opt_int(c.get("id")) is not None),
        tags=tuple(str(t.get("name")) for t in embedded.get("tags") or [] if isinstance(t, dict)),
    )


def task_result_text(result: Any) -> str | None:
    """`result` is `[]` when the task has none (PHP's empty array), else `{"text": ...}`."""
    if isinstance(result, dict):
        text = result.get("text")
        return str(text) if text not in (None, "") else None
    return None


@checked
def task_from_json(data: JSON) -> Task:
    return Task(
        id=int(data["id"]),
        text=str(data.get("text") or ""),
        task_type_id=opt_int(data.get("task_type_id")) or 1,
        entity_type=data.get("entity_type") or None,
        entity_id=opt_int(data.get("entity_id")) or None,
        responsible_user_id=int(data.get("responsible_user_id") or 0),
        complete_till=ts_to_dt(data.get("complete_till")) or datetime.fromtimestamp(0, UTC),
        is_completed=bool(data.get("is_completed", False)),
        result_text=task_result_text(data.get("result")),
        created_at=ts_to_dt(data.get("created_at")),
        updated_at=ts_to_dt(data.get("updated_at")),
    )


def _multitext_first(fields: Any, code: str) -> str | None:
    for cf in custom_fields_from_json(fields):
        if (cf.field_code or "").upper() == code and cf.first not in (None, ""):
            return str(cf.first)
    return None


@checked
def contact_from_json(data: JSON) -> Contact:
    fields = data.get("custom_fields_values")
    return Contact(
        id=int(data["id"]),
        name=str(data.get("name") or ""),
        phone=_multitext_first(fields, "PHONE"),
        email=_multitext_first(fields, "EMAIL"),
    )


def contact_lead_ids(data: Any) -> tuple[int, ...]:
    """The lead ids a contact read `with=leads` embeds (`_embedded.leads[].id`), in order."""
    if not isinstance(data, dict):
        return ()
    found = [opt_int(item.get("id")) for item in embedded(data, "leads")]
    return tuple(dict.fromkeys(i for i in found if i is not None))


_EVENT_TYPES: dict[str, CrmEventType] = {
    "lead_added": CrmEventType.DEAL_ADDED,
    "lead_deleted": CrmEventType.DEAL_DELETED,
    "lead_status_changed": CrmEventType.DEAL_STATUS_CHANGED,
    "task_added": CrmEventType.TASK_ADDED,
    "task_completed": CrmEventType.TASK_COMPLETED,
    "task_deleted": CrmEventType.TASK_DELETED,
    "task_deadline_changed": CrmEventType.TASK_UPDATED,
    "task_text_changed": CrmEventType.TASK_UPDATED,
    "task_type_changed": CrmEventType.TASK_UPDATED,
    "common_note_added": CrmEventType.NOTE_ADDED,
}


def _event_value(values: Any, key: str) -> JSON:
    """`value_after`/`value_before` are lists of one-key objects: find `key`'s object."""
    if isinstance(values, list):
        for item in values:
            if isinstance(item, dict) and isinstance(item.get(key), dict):
                return dict(item[key])
    return {}


@checked
def event_from_json(data: JSON) -> CrmEvent:
    kind = str(data.get("type") or "")
    entity = str(data.get("entity_type") or "")
    event_type = _EVENT_TYPES.get(kind, CrmEventType.OTHER)
    if kind == "entity_responsible_changed" and entity == "lead":
        event_type = CrmEventType.DEAL_RESPONSIBLE_CHANGED
    after = data.get("value_after")
    before = data.get("value_before")
    status_after = _event_value(after, "lead_status")
    status_before = _event_value(before, "lead_status")
    responsible = _event_value(after, "responsible_user")
    return CrmEvent(
        type=event_type,
        entity=entity,
        entity_id=int(data["entity_id"]),
        event_id=str(data["id"]) if data.get("id") not in (None, "") else None,
        occurred_at=ts_to_dt(data.get("created_at")),
        pipeline_id=opt_int(status_after.get("pipeline_id")),
        status_id=opt_int(status_after.get("id")),
        old_status_id=opt_int(status_before.get("id")),
        old_pipeline_id=opt_int(status_before.get("pipeline_id")),
        responsible_user_id=opt_int(responsible.get("id")),
        created_by=opt_int(data.get("created_by")),
        account_id=opt_int(data.get("account_id")),
        raw=data,
    )


# --- writes ----------------------------------------------------------------------------------


def _field_values(value: Any) -> list[JSON] | None:
    if value is None:
        return None  # amoCRM clears a field given `"values": null`
    items = value if isinstance(value, list | tuple) else [value]
    out: list[JSON] = []
    for item in items:
        if isinstance(item, dict):
            out.append(dict(item))  # e.g. {"enum_id": 5}: passed through as is
        elif isinstance(item, datetime):
            out.append({"value": dt_to_ts(item)})
        else:
            out.append({"value": item})
    return out


def custom_fields_to_json(fields: Mapping[int, Any]) -> list[JSON]:
    """{field_id: value} → `custom_fields_values`. A list gives several values, a dict is sent
    as one raw value object (`{"enum_id": 5}`), None clears the field."""
    return [{"field_id": int(fid), "values": _field_values(v)} for fid, v in fields.items()]


def _price(value: float) -> int | float:
    return int(value) if float(value).is_integer() else value


def deal_patch_to_json(patch: DealPatch) -> JSON:
    body: JSON = {}
    if patch.name is not None:
        body["name"] = patch.name
    if patch.price is not None:
        body["price"] = _price(patch.price)
    for key in ("status_id", "pipeline_id", "responsible_user_id", "loss_reason_id"):
        value = getattr(patch, key)
        if value is not None:
            body[key] = value
    if patch.custom_fields:
        body["custom_fields_values"] = custom_fields_to_json(patch.custom_fields)
    return body


def new_deal_to_json(deal: NewDeal) -> JSON:
    body: JSON = {"name": deal.name, "pipeline_id": deal.pipeline_id}
    if deal.status_id is not None:
        body["status_id"] = deal.status_id
    if deal.price is not None:
        body["price"] = _price(deal.price)
    if deal.responsible_user_id is not None:
        body["responsible_user_id"] = deal.responsible_user_id
    if deal.custom_fields:
        body["custom_fields_values"] = custom_fields_to_json(deal.custom_fields)
    if deal.contact_ids:
        body["_embedded"] = {"contacts": [{"id": cid} for cid in deal.contact_ids]}
    return body


def new_task_to_json(task: NewTask) -> JSON:
    body: JSON = {
        "text": task.text,
        "complete_till": dt_to_ts(task.complete_till),
        "entity_id": task.entity_id,
        "entity_type": task.entity_type,
        "task_type_id": int(task.task_type_id),
    }
    if task.responsible_user_id is not None:
        body["responsible_user_id"] = task.responsible_user_id
    return body


def task_patch_to_json(patch: TaskPatch) -> JSON:
    body: JSON = {}
    if patch.text is not None:
        body["text"] = patch.text
    if patch.complete_till is not None:
        body["complete_till"] = dt_to_ts(patch.complete_till)
    if patch.responsible_user_id is not None:
        body["responsible_user_id"] = patch.responsible_user_id
    return body


def call_note_to_json(note: CallNote, uniq: str) -> JSON:
    params: JSON = {
        "uniq": uniq,
        "duration": note.duration,
        "source": note.source,
        "phone": note.phone,
    }
    if note.link is not None:
        params["link"] = note.link
    if note.call_status is not None:
        params["call_status"] = note.call_status
    if note.call_result is not None:
        params["call_result"] = note.call_result
    body: JSON = {
        "entity_id": note.entity_id,
        "note_type": "call_in" if note.direction == "inbound" else "call_out",
        "params": params,
    }
    if note.responsible_user_id is not None:
        # amoCRM counts a call in Analytics only when created_by == responsible_user_id.
        body["responsible_user_id"] = note.responsible_user_id
        body["created_by"] = note.responsible_user_id
    return body


def created_ids(body: Any, key: str) -> list[int]:
    """Ids from a create answer: `{"_embedded": {key: [{"id": ...}, ...]}}`."""
    return [int(item["id"]) for item in _embedded(body, key) if opt_int(item.get("id"))]


def embedded(body: Any, key: str) -> list[JSON]:
    return _embedded(body, key)
