"""Webhooks as amoCRM sends them: form-encoded PHP-bracket bodies, POSTed after each change.

The builders turn a change into form fields (`leads[status][0][id]=…`, `task[update][0][…]`,
`leads[note][0][note][…]`); `WebhookSender` posts them in order from a background task, so the
API answer never waits for the receiver, and records every delivery (failures included) in
`state.webhook_deliveries` instead of raising.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from urllib.parse import urlencode

import aiohttp

from .state import CrmState, Lead, Note, Task, WebhookDelivery

log = logging.getLogger(__name__)

Fields = list[tuple[str, str]]

#: The legacy numeric note types webhooks carry (4 common, 10 incoming call, 11 outgoing call).
NOTE_TYPE_CODES: dict[str, str] = {
    "common": "4",
    "call_in": "10",
    "call_out": "11",
    "service_message": "25",
}
LEADS_ELEMENT_TYPE = "2"


def account_fields(state: CrmState) -> Fields:
    return [
        ("account[id]", str(state.account.id)),
        ("account[subdomain]", state.account.subdomain),
        ("account[_links][self]", f"https://{state.account.subdomain}.amocrm.ru"),
    ]


def lead_fields(state: CrmState, lead: Lead, prefix: str) -> Fields:
    fields: Fields = [
        (f"{prefix}[id]", str(lead.id)),
        (f"{prefix}[name]", lead.name),
        (f"{prefix}[status_id]", str(lead.status_id)),
        (f"{prefix}[pipeline_id]", str(lead.pipeline_id)),
        (f"{prefix}[price]", str(lead.price)),
        (f"{prefix}[responsible_user_id]", str(lead.responsible_user_id)),
        (f"{prefix}[last_modified]", str(lead.updated_at)),
        (f"{prefix}[modified_user_id]", str(lead.updated_by)),
        (f"{prefix}[created_user_id]", str(lead.created_by)),
        (f"{prefix}[date_create]", str(lead.created_at)),
        (f"{prefix}[created_at]", str(lead.created_at)),
        (f"{prefix}[updated_at]", str(lead.updated_at)),
        (f"{prefix}[account_id]", str(state.account.id)),
    ]
    if lead.loss_reason_id:
        fields.append((f"{prefix}[loss_reason_id]", str(lead.loss_reason_id)))
    for i, (field_id, values) in enumerate(sorted(lead.custom_fields.items())):
        definition = state.custom_fields.get(field_id)
        fields.append((f"{prefix}[custom_fields][{i}][id]", str(field_id)))
        if definition is not None:
            fields.append((f"{prefix}[custom_fields][{i}][name]", definition.name))
            if definition.code:
                fields.append((f"{prefix}[custom_fields][{i}][code]", definition.code))
        for j, value in enumerate(values):
            key = f"{prefix}[custom_fields][{i}][values][{j}]"
            fields.append((f"{key}[value]", str(value.get("value", ""))))
            if value.get("enum_id") is not None:
                fields.append((f"{key}[enum]", str(value["enum_id"])))
    return fields


def lead_hook(state: CrmState, lead: Lead, action: str, **extra: int | None) -> Fields:
    """`leads[{action}][0][…]`; `extra` adds e.g. old_status_id / old_responsible_user_id."""
    prefix = f"leads[{action}][0]"
    fields = lead_fields(state, lead, prefix)
    fields += [
        (f"{prefix}[{key}]", str(value)) for key, value in extra.items() if value is not None
    ]
    return fields + account_fields(state)


def task_hook(state: CrmState, task: Task, action: str, *, closed_now: bool = False) -> Fields:
    prefix = f"task[{action}][0]"
    fields: Fields = [
        (f"{prefix}[id]", str(task.id)),
        (f"{prefix}[element_id]", str(task.entity_id or 0)),
        (f"{prefix}[element_type]", LEADS_ELEMENT_TYPE if task.entity_type == "leads" else "1"),
        (f"{prefix}[task_type]", str(task.task_type_id)),
        (f"{prefix}[text]", task.text),
        (f"{prefix}[responsible_user_id]", str(task.responsible_user_id)),
        (f"{prefix}[complete_till]", str(task.complete_till)),
        (f"{prefix}[status]", "1" if task.is_completed else "0"),
        (f"{prefix}[action_close]", "1" if closed_now else "0"),
        (f"{prefix}[date_create]", str(task.created_at)),
        (f"{prefix}[last_modified]", str(task.updated_at)),
        (f"{prefix}[created_user_id]", str(task.created_by)),
        (f"{prefix}[modified_user_id]", str(task.updated_by)),
        (f"{prefix}[account_id]", str(state.account.id)),
    ]
    if task.result_text is not None:
        fields.append((f"{prefix}[result][text]", task.result_text))
    return fields + account_fields(state)


def note_hook(state: CrmState, note: Note) -> Fields:
    prefix = "leads[note][0][note]"
    if note.note_type in ("call_in", "call_out"):
        p = note.params
        text = json.dumps(
            {
                "UNIQ": p.get("uniq", ""),
                "LINK": p.get("link", ""),
                "PHONE": p.get("phone", ""),
                "DURATION": p.get("duration", 0),
                "SRC": p.get("source", ""),
            },
            ensure_ascii=False,
        )
    else:
        text = str(note.params.get("text", ""))
    fields: Fields = [
        (f"{prefix}[id]", str(note.id)),
        (f"{prefix}[element_id]", str(note.entity_id)),
        (f"{prefix}[element_type]", LEADS_ELEMENT_TYPE),
        (f"{prefix}[note_type]", NOTE_TYPE_CODES.get(note.note_type, "4")),
        (f"{prefix}[text]", text),
        (f"{prefix}[created_by]", str(note.created_by)),
        (f"{prefix}[responsible_user_id]", str(note.responsible_user_id)),
        (f"{prefix}[date_create]", str(note.created_at)),
        (f"{prefix}[last_modified]", str(note.updated_at)),
        (f"{prefix}[account_id]", str(state.account.id)),
    ]
    return fields + account_fields(state)


class WebhookSender:
    """Posts webhook bodies to `url` one after another, in the order the changes happened.

    With `url` None the changes are not sent anywhere (and not recorded); the URL can be set
    later (the demo learns the bot's port after the CRM has started).
    """

    def __init__(self, state: CrmState, url: str | None, *, timeout: float = 2.0) -> None:
        self.state = state
        self.url = url
        self.timeout = timeout
        self.queue: asyncio.Queue[tuple[str, Fields]] = asyncio.Queue()
        self._session: aiohttp.ClientSession | None = None
        self._worker: asyncio.Task[None] | None = None

    def enqueue(self, fields: Fields) -> None:
        if self.url:
            self.queue.put_nowait((self.url, fields))

    async def start(self) -> None:
        # amoCRM waits ~2 s for an answer; a slower receiver counts as a failed delivery.
        self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=self.timeout))
        self._worker = asyncio.create_task(self._run(), name="crm-sandbox-webhooks")
        self.state.listeners.append(self.enqueue)

    async def stop(self) -> None:
        with contextlib.suppress(ValueError):
            self.state.listeners.remove(self.enqueue)
        if self._worker is not None:
            self._worker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._worker
        if self._session is not None:
            await self._session.close()

    async def drain(self) -> None:
        """Wait until every queued webhook has been attempted."""
        await self.queue.join()

    async def _run(self) -> None:
        while True:
            url, fields = await self.queue.get()
            try:
                await self._deliver(url, fields)
            finally:
                self.queue.task_done()

    async def _deliver(self, url: str, fields: Fields) -> None:
        assert self._session is not None
        body = urlencode(fields)
        delivery = WebhookDelivery(url=url, body=body, fields=fields, at=self.state.now())
        self.state.webhook_deliveries.append(delivery)
        try:
            async with self._session.post(
                url,
                data=body.encode(),
                headers={
                    "Content-Type": "application/x-www-form-urlencoded",
                    "User-Agent": "amoCRM-WebHook-client/1.0",
                },
            ) as response:
                await response.read()
                delivery.status = response.status
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            delivery.error = f"{type(exc).__name__}: {exc}"
            log.info("sandbox webhook to %s failed: %s", url, delivery.error)
