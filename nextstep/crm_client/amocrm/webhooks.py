"""amoCRM/Kommo webhook bodies → neutral CrmEvents.

A webhook is a hint, not the truth: it is unsigned, may be slim (Digital Pipeline sends only ids)
and may arrive twice (amoCRM retries after a slow answer). So the parser only extracts what
changed and when; the caller re-reads the entity through the API. `occurred_at` comes from the
entity's own `last_modified`/`updated_at`, so a re-sent webhook yields the same `dedup_key()`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, tzinfo
from typing import Any

from nextstep.crm_client.amocrm.mapping import opt_int, ts_to_dt
from nextstep.crm_client.amocrm.phpform import Form, PhpFormError, parse_php_form
from nextstep.crm_client.errors import WebhookParseError
from nextstep.crm_client.models import CrmEvent, CrmEventType, WebhookBatch

_LEAD_ACTIONS: dict[str, CrmEventType] = {
    "add": CrmEventType.DEAL_ADDED,
    "update": CrmEventType.DEAL_UPDATED,
    "status": CrmEventType.DEAL_STATUS_CHANGED,
    "responsible": CrmEventType.DEAL_RESPONSIBLE_CHANGED,
    "delete": CrmEventType.DEAL_DELETED,
    "restore": CrmEventType.DEAL_UPDATED,
}
_TASK_ACTIONS: dict[str, CrmEventType] = {
    "add": CrmEventType.TASK_ADDED,
    "update": CrmEventType.TASK_UPDATED,
    "responsible": CrmEventType.TASK_UPDATED,
    "delete": CrmEventType.TASK_DELETED,
}
#: Entities that produce events, and those that amoCRM may send but Nextstep does not act on.
_EVENT_SECTIONS = ("leads", "task", "contacts")
_IGNORED_SECTIONS = frozenset(
    {"companies", "customers", "unsorted", "message", "talk", "catalogs", "tasks"}
)
_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2})?$")


def parse_webhook(body: bytes | str, *, tz: tzinfo = UTC) -> WebhookBatch:
    """Parse one webhook body; `tz` is the account's zone for "Y-m-d H:i:s" dates.

    Raises WebhookParseError (with a reason a human can act on) for a malformed body.
    """
    if isinstance(body, bytes):
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise WebhookParseError("the body is not UTF-8 text") from exc
    else:
        text = body
    try:
        form = parse_php_form(text)
    except PhpFormError as exc:
        raise WebhookParseError(str(exc)) from exc

    present = [k for k in form if k in _EVENT_SECTIONS or k in _IGNORED_SECTIONS]
    if not present:
        keys = ", ".join(sorted(form)[:5])
        raise WebhookParseError(f"no known entity in the body (top-level keys: {keys})")

    account = form.get("account")
    account_id: int | None = None
    subdomain: str | None = None
    if isinstance(account, dict):
        account_id = _optional_int(account.get("id"), "account[id]")
        subdomain = str(account["subdomain"]) if account.get("subdomain") else None

    parser = _Parser(tz, account_id)
    events: list[CrmEvent] = []
    for key in present:
        if key == "leads":
            events.extend(parser.leads(form[key]))
        elif key == "task":
            events.extend(parser.tasks(form[key]))
        elif key == "contacts":
            events.extend(parser.contacts(form[key]))
    return WebhookBatch(account_id=account_id, subdomain=subdomain, events=events)


class _Parser:
    def __init__(self, tz: tzinfo, account_id: int | None) -> None:
        self.tz = tz
        self.account_id = account_id

    def leads(self, section: Any) -> Iterator[CrmEvent]:
        for action, where, item in _items(section, "leads"):
            if action == "note":
                yield self._note(item, where)
                continue
            event_type = _LEAD_ACTIONS.get(action)
            if event_type is None:
                continue
            occurred = self.when(item, "last_modified", "updated_at")
            if occurred is None and action == "add":
                occurred = self.when(item, "date_create", "created_at")
            yield CrmEvent(
                type=event_type,
                entity="lead",
                entity_id=_strict_int(item.get("id"), f"{where}[id]"),
                occurred_at=occurred,
                pipeline_id=opt_int(item.get("pipeline_id")),
                status_id=opt_int(item.get("status_id")),
                old_status_id=opt_int(item.get("old_status_id")),
                old_pipeline_id=opt_int(item.get("old_pipeline_id")),
                responsible_user_id=opt_int(item.get("responsible_user_id")),
                created_by=opt_int(item.get("modified_user_id") or item.get("created_user_id")),
                account_id=opt_int(item.get("account_id")) or self.account_id,
                raw={"section": f"leads[{action}]", **item},
            )

    def _note(self, item: Form, where: str) -> CrmEvent:
        note = item.get("note")
        if not isinstance(note, dict):
            raise WebhookParseError(f"{where} has no [note] group")
        note_id = _optional_int(note.get("id"), f"{where}[note][id]")
        return CrmEvent(
            type=CrmEventType.NOTE_ADDED,
            entity="lead",
            entity_id=_strict_int(note.get("element_id"), f"{where}[note][element_id]"),
            # No status/timestamp tells two notes apart, the note id does: key on it.
            event_id=f"webhook-note:{note_id}" if note_id is not None else None,
            occurred_at=self.when(note, "last_modified", "date_create", "created_at"),
            responsible_user_id=opt_int(note.get("responsible_user_id")),
            created_by=opt_int(note.get("created_by")),
            account_id=opt_int(note.get("account_id")) or self.account_id,
            raw={"section": "leads[note]", **note},
        )

    def tasks(self, section: Any) -> Iterator[CrmEvent]:
        for action, where, item in _items(section, "task"):
            event_type = _TASK_ACTIONS.get(action)
            if event_type is None:
                continue
            if action == "update" and item.get("action_close") == "1":
                event_type = CrmEventType.TASK_COMPLETED
            occurred = self.when(item, "last_modified", "updated_at")
            if occurred is None and action == "add":
                occurred = self.when(item, "date_create", "created_at")
            yield CrmEvent(
                type=event_type,
                entity="task",
                entity_id=_strict_int(item.get("id"), f"{where}[id]"),
                occurred_at=occurred,
                responsible_user_id=opt_int(item.get("responsible_user_id")),
                created_by=opt_int(item.get("modified_user_id") or item.get("created_user_id")),
                account_id=opt_int(item.get("account_id")) or self.account_id,
                raw={"section": f"task[{action}]", **item},
            )

    def contacts(self, section: Any) -> Iterator[CrmEvent]:
        for action, where, item in _items(section, "contacts"):
            if action == "note":
                continue
            yield CrmEvent(
                type=CrmEventType.OTHER,
                entity=str(item.get("type") or "contact"),
                entity_id=_strict_int(item.get("id"), f"{where}[id]"),
                occurred_at=self.when(item, "last_modified", "updated_at"),
                responsible_user_id=opt_int(item.get("responsible_user_id")),
                account_id=opt_int(item.get("account_id")) or self.account_id,
                raw={"section": f"contacts[{action}]", **item},
            )

    def when(self, item: Form, *keys: str) -> datetime | None:
        """The first of `keys` that holds a date: Unix seconds, or "Y-m-d H:i:s" in `tz`."""
        for key in keys:
            value = item.get(key)
            if not isinstance(value, str) or not value.strip():
                continue
            value = value.strip()
            if value.isdigit():
                return ts_to_dt(value)
            if _DATETIME.match(value):
                try:
                    local = datetime.fromisoformat(value.replace(" ", "T"))
                except ValueError:
                    continue
                return local.replace(tzinfo=self.tz).astimezone(UTC)
        return None


def _items(section: Any, name: str) -> Iterator[tuple[str, str, Form]]:
    """(action, "name[action][i]", item) for every item of every action, in index order."""
    if not isinstance(section, dict):
        raise WebhookParseError(f"{name} must be a group like {name}[add][0][id]")
    for action, items in section.items():
        where = f"{name}[{action}]"
        if not isinstance(items, dict):
            raise WebhookParseError(f"{where} must hold numbered items like {where}[0][id]")
        for index in sorted(items, key=lambda k: _index(k, where)):
            item = items[index]
            if not isinstance(item, dict):
                raise WebhookParseError(f"{where}[{index}] must be a group of fields")
            yield action, f"{where}[{index}]", item


def _index(key: str, where: str) -> int:
    if not key.isdigit():
        raise WebhookParseError(f"{where} has a non-numeric item index {key[:20]!r}")
    return int(key)


def _strict_int(value: Any, where: str) -> int:
    """An id that must be there and be a number."""
    if value is None or value == "":
        raise WebhookParseError(f"{where} is missing")
    if not isinstance(value, str) or not value.strip().isdigit():
        raise WebhookParseError(f"{where} is not a number: {str(value)[:40]!r}")
    return int(value)


def _optional_int(value: Any, where: str) -> int | None:
    """An id that may be absent, but is a number when given."""
    return None if value is None or value == "" else _strict_int(value, where)
