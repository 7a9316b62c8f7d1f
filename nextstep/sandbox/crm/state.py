"""The sandbox CRM's whole world, in memory: what the API serves and what tests inspect.

Everything the HTTP layer answers is read from a `CrmState`, and every write lands here first, so
a test can check what the CRM received (`state.leads[id].status_id`, `state.notes`,
`state.writes`) without going through the API. Times are Unix seconds (ints) read from
`state.clock`, which tests can replace or shift to make deals "stuck for weeks".
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

WON_STATUS_ID = 142
LOST_STATUS_ID = 143
STATUS_TYPE_WORKING = 0
STATUS_TYPE_UNSORTED = 1

#: Task types every amoCRM account has: 1 call ("Связаться"), 2 meeting ("Встреча"), 3 letter.
TASK_TYPES: dict[int, str] = {1: "Связаться", 2: "Встреча", 3: "Письмо"}

NoteType = Literal["common", "call_in", "call_out", "service_message"]
NOTE_TYPES: frozenset[str] = frozenset({"common", "call_in", "call_out", "service_message"})


@dataclass
class Account:
    id: int
    name: str
    subdomain: str
    currency: str = "RUB"
    timezone: str = "Europe/Moscow"
    country: str = "RU"
    created_at: int = 0


@dataclass
class Group:
    id: int
    name: str


@dataclass
class User:
    id: int
    name: str
    email: str
    group_id: int = 0
    role_id: int | None = None
    is_admin: bool = False
    is_active: bool = True
    is_free: bool = False
    lang: str = "ru"


@dataclass
class Role:
    id: int
    name: str


@dataclass
class Status:
    id: int
    name: str
    sort: int
    pipeline_id: int
    type: int = STATUS_TYPE_WORKING
    color: str = "#99ccff"
    is_editable: bool = True


@dataclass
class Pipeline:
    id: int
    name: str
    sort: int
    is_main: bool = False
    is_unsorted_on: bool = True
    is_archive: bool = False
    statuses: list[Status] = field(default_factory=list)

    def status(self, status_id: int) -> Status | None:
        return next((s for s in self.statuses if s.id == status_id), None)

    def first_working(self) -> Status:
        """The first stage a new lead lands on: the first working (type 0) stage."""
        working = [s for s in self.statuses if s.type == STATUS_TYPE_WORKING and s.id > 143]
        return min(working, key=lambda s: s.sort)

    def unsorted(self) -> Status | None:
        return next((s for s in self.statuses if s.type == STATUS_TYPE_UNSORTED), None)


@dataclass
class LossReason:
    id: int
    name: str
    sort: int
    created_at: int = 0
    updated_at: int = 0


@dataclass
class Enum:
    id: int
    value: str
    sort: int
    code: str | None = None


@dataclass
class CustomField:
    """A custom field definition; `required_statuses` are (pipeline_id, status_id) pairs a lead
    may only enter when the field has a value (amoCRM's "required for stage")."""

    id: int
    name: str
    type: str  # text, numeric, select, url, multitext, date ...
    entity_type: str = "leads"
    code: str | None = None
    sort: int = 0
    enums: list[Enum] = field(default_factory=list)
    required_statuses: list[tuple[int, int]] = field(default_factory=list)

    def enum_by_value(self, value: str) -> Enum | None:
        return next((e for e in self.enums if e.value == value), None)

    def enum_by_id(self, enum_id: int) -> Enum | None:
        return next((e for e in self.enums if e.id == enum_id), None)


@dataclass
class Contact:
    id: int
    name: str
    first_name: str = ""
    last_name: str = ""
    responsible_user_id: int = 0
    phones: list[str] = field(default_factory=list)
    emails: list[str] = field(default_factory=list)
    created_at: int = 0
    updated_at: int = 0


@dataclass
class Lead:
    id: int
    name: str
    price: int
    status_id: int
    pipeline_id: int
    responsible_user_id: int
    group_id: int = 0
    loss_reason_id: int | None = None
    created_by: int = 0
    updated_by: int = 0
    created_at: int = 0
    updated_at: int = 0
    closed_at: int | None = None
    is_deleted: bool = False
    #: field_id → the API's `values` list ([{"value": ..., "enum_id"?: ...}])
    custom_fields: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    contact_ids: list[int] = field(default_factory=list)  # the first one is the main contact
    tags: list[str] = field(default_factory=list)


@dataclass
class Task:
    id: int
    text: str
    complete_till: int
    responsible_user_id: int
    entity_id: int | None = None
    entity_type: str | None = "leads"
    task_type_id: int = 1
    is_completed: bool = False
    result_text: str | None = None
    duration: int = 0
    group_id: int = 0
    created_by: int = 0
    updated_by: int = 0
    created_at: int = 0
    updated_at: int = 0


@dataclass
class Note:
    id: int
    entity_id: int
    note_type: str
    params: dict[str, Any]
    entity_type: str = "leads"
    created_by: int = 0
    responsible_user_id: int = 0
    created_at: int = 0
    updated_at: int = 0


@dataclass
class Event:
    """One `/api/v4/events` entry; `seq` orders events that share a second (newest first)."""

    id: str
    seq: int
    type: str
    entity_type: str  # "lead", "task", "contact"
    entity_id: int
    created_by: int
    created_at: int
    value_after: list[dict[str, Any]] = field(default_factory=list)
    value_before: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class Salesbot:
    id: int
    name: str
    runs: list[tuple[int, int]] = field(default_factory=list)  # (lead id, when)


@dataclass
class WriteRecord:
    """One write request the API received (the demo prints these; tests assert on them)."""

    method: str
    path: str
    body: Any
    status: int
    at: int
    token: str | None = None


@dataclass
class WebhookDelivery:
    """One webhook POST: the body sent and how it ended (failures are recorded, not raised)."""

    url: str
    body: str
    fields: list[tuple[str, str]]
    status: int | None = None
    error: str | None = None
    at: int = 0

    @property
    def ok(self) -> bool:
        return self.status is not None and 100 <= self.status < 300


@dataclass
class Fault:
    """Make the next `times` requests that match answer `status` (tests of client retries).

    `path` is an fnmatch pattern (`"/api/v4/leads*"`); `method` None matches any. `delay`
    seconds are slept first (with a client timeout shorter than it, that is a timeout).
    `status` None only delays. `apply=True` lets the request take effect before the faulty
    answer replaces the real one (a write that went through but whose answer was lost).
    """

    status: int | None = 500
    times: int = 1
    path: str = "*"
    method: str | None = None
    delay: float = 0.0
    body: str | None = None
    apply: bool = False
    hits: int = 0


@dataclass
class OAuthState:
    """Auth codes and tokens: `codes` code → expiry; `access` token → expiry (None = forever);
    `refresh` token → expiry; `revoked_refresh` remembers used refresh tokens."""

    codes: dict[str, int] = field(default_factory=dict)
    used_codes: set[str] = field(default_factory=set)
    access: dict[str, float | None] = field(default_factory=dict)
    refresh: dict[str, int] = field(default_factory=dict)
    revoked_refresh: set[str] = field(default_factory=set)
    revoked_access: set[str] = field(default_factory=set)
    issued: int = 0


ChangeListener = Callable[[list[tuple[str, str]]], None]


class CrmState:
    """The in-memory account. Plain attributes on purpose: tests read and tweak them directly."""

    def __init__(self, *, clock: Callable[[], float] = time.time) -> None:
        self.clock: Callable[[], float] = clock
        self.clock_offset: float = 0.0
        self.account = Account(id=31_000_001, name="Sandbox", subdomain="sandbox")
        self.groups: dict[int, Group] = {0: Group(0, "Отдел продаж")}
        self.roles: dict[int, Role] = {}
        self.users: dict[int, User] = {}
        self.pipelines: dict[int, Pipeline] = {}
        self.loss_reasons: dict[int, LossReason] = {}
        self.custom_fields: dict[int, CustomField] = {}
        self.contacts: dict[int, Contact] = {}
        self.leads: dict[int, Lead] = {}
        self.tasks: dict[int, Task] = {}
        self.notes: dict[int, Note] = {}
        self.events: list[Event] = []
        self.salesbots: dict[int, Salesbot] = {}
        self.writes: list[WriteRecord] = []
        self.webhook_deliveries: list[WebhookDelivery] = []
        self.faults: list[Fault] = []
        self.oauth = OAuthState()
        self.listeners: list[ChangeListener] = []
        self._next_ids: dict[str, int] = {}
        self._event_seq = 0

    # --- time and ids ------------------------------------------------------------------------

    def now(self) -> int:
        """The CRM's current time in Unix seconds (clock plus any shift from /_sandbox/clock)."""
        return int(self.clock() + self.clock_offset)

    def shift_clock(self, seconds: float) -> None:
        self.clock_offset += seconds

    def next_id(self, kind: str, start: int) -> int:
        """The next id of a kind (`lead`, `task` ...), starting at `start`, never reused."""
        current = self._next_ids.get(kind)
        if current is None:
            current = max(self._existing_ids(kind), default=start - 1)
        self._next_ids[kind] = current + 1
        return current + 1

    def _existing_ids(self, kind: str) -> list[int]:
        table: dict[str, dict[int, Any]] = {
            "lead": self.leads,
            "task": self.tasks,
            "note": self.notes,
            "contact": self.contacts,
        }
        return list(table.get(kind, {}))

    def next_event_seq(self) -> int:
        self._event_seq += 1
        return self._event_seq

    # --- lookups -----------------------------------------------------------------------------

    def status_of(self, pipeline_id: int, status_id: int) -> Status | None:
        pipeline = self.pipelines.get(pipeline_id)
        return pipeline.status(status_id) if pipeline else None

    def main_pipeline(self) -> Pipeline:
        mains = [p for p in self.pipelines.values() if p.is_main]
        return mains[0] if mains else min(self.pipelines.values(), key=lambda p: p.sort)

    def pipeline_by_name(self, name: str) -> Pipeline:
        for pipeline in self.pipelines.values():
            if pipeline.name == name:
                return pipeline
        raise KeyError(f"no pipeline named {name!r}")

    def status_by_name(self, pipeline_name: str, status_name: str) -> Status:
        pipeline = self.pipeline_by_name(pipeline_name)
        for status in pipeline.statuses:
            if status.name == status_name:
                return status
        raise KeyError(f"no stage {status_name!r} in pipeline {pipeline_name!r}")

    def field_by_code(self, code: str) -> CustomField | None:
        return next((f for f in self.custom_fields.values() if f.code == code), None)

    def field_by_name(self, name: str) -> CustomField | None:
        return next((f for f in self.custom_fields.values() if f.name == name), None)

    def open_tasks_of(self, lead_id: int) -> list[Task]:
        return [
            t
            for t in self.tasks.values()
            if t.entity_type == "leads" and t.entity_id == lead_id and not t.is_completed
        ]

    def closest_task_index(self) -> dict[int, int]:
        """lead id → the earliest `complete_till` among its open tasks (one pass over tasks)."""
        index: dict[int, int] = {}
        for task in self.tasks.values():
            if task.is_completed or task.entity_type != "leads" or task.entity_id is None:
                continue
            current = index.get(task.entity_id)
            if current is None or task.complete_till < current:
                index[task.entity_id] = task.complete_till
        return index

    # --- change notification -----------------------------------------------------------------

    def notify(self, fields: list[tuple[str, str]]) -> None:
        """Hand one webhook body (form fields) to the listeners (the app's webhook sender)."""
        for listener in list(self.listeners):
            listener(fields)
