"""`/_sandbox/...`: what a person or a website does to the CRM, for the demo and the tests.

These routes are outside `/api/v4`, need no token, are not rate-limited and are not logged in
`state.writes` (that log is what the API received). Changes still fire webhooks and events,
exactly like changes made in amoCRM's UI:

- `POST /_sandbox/leads` `{name?, price?, pipeline_id?|pipeline?, status_id?, unsorted?,
  responsible_user_id?, source?, contact:{name, phone?, email?}|{id}?, custom_fields_values?}` —
  an incoming lead from a site form (first working stage, or Неразобранное with unsorted=true;
  `contact: {id}` links a returning client's contact instead of adding one);
- `POST /_sandbox/leads/{id}/move` `{status_id, pipeline_id?, responsible_user_id?,
  loss_reason_id?, by?}` — a stage change made by a person (no required-field check);
- `POST /_sandbox/tasks/{id}/complete` `{result?, by?}` — a task closed in the CRM;
- `GET /_sandbox/writes[?since=N]`, `GET /_sandbox/webhooks`, `GET|POST /_sandbox/clock`
  `{shift: seconds}`, `POST /_sandbox/faults` `{status, times, path, method, delay, apply}`,
  `POST /_sandbox/webhook` `{url}`, `POST /_sandbox/oauth/code`.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any

from aiohttp import web

from . import changes
from .auth import issue_auth_code
from .changes import LeadInput, TaskInput
from .context import ctx
from .state import STATUS_TYPE_UNSORTED, CrmState, Fault
from .validation import Collector, as_int, raise_if_any
from .views import lead_json, task_json

routes = web.RouteTableDef()


async def _body(request: web.Request) -> dict[str, Any]:
    text = await request.text()
    if not text.strip():
        return {}
    try:
        body = json.loads(text)
    except ValueError as exc:
        raise web.HTTPBadRequest(text=f"body is not JSON: {exc}") from exc
    if not isinstance(body, dict):
        raise web.HTTPBadRequest(text="body must be a JSON object")
    return body


def _person(state: CrmState, body: dict[str, Any], fallback: int) -> int:
    by = as_int(body.get("by"))
    return by if by is not None and by in state.users else fallback


@routes.post("/_sandbox/leads")
async def incoming_lead(request: web.Request) -> web.StreamResponse:
    state = ctx(request).state
    body = await _body(request)
    errors = Collector("0")
    if "pipeline" in body:
        try:
            pipeline = state.pipeline_by_name(str(body["pipeline"]))
        except KeyError:
            raise web.HTTPBadRequest(text=f"no pipeline named {body['pipeline']!r}") from None
    elif "pipeline_id" in body:
        found = state.pipelines.get(as_int(body["pipeline_id"]) or -1)
        if found is None:
            raise web.HTTPBadRequest(text=f"no pipeline {body['pipeline_id']!r}")
        pipeline = found
    else:
        pipeline = state.main_pipeline()
    status = pipeline.first_working()
    if body.get("unsorted"):
        status = pipeline.unsorted() or status
    if "status_id" in body:
        chosen = pipeline.status(as_int(body["status_id"]) or -1)
        if chosen is None:
            raise web.HTTPBadRequest(text=f"no status {body['status_id']!r} in {pipeline.name}")
        status = chosen
    fields_raw = list(body.get("custom_fields_values") or [])
    source_field = state.field_by_code("SOURCE")
    if body.get("source") and source_field is not None:
        fields_raw.append({"field_id": source_field.id, "values": [{"value": body["source"]}]})
    data = LeadInput(
        name=str(body.get("name") or "Заявка с сайта"),
        price=as_int(body.get("price")) or 0,
        pipeline_id=pipeline.id,
        status_id=status.id,
        responsible_user_id=as_int(body.get("responsible_user_id")),
        custom_fields=changes.parse_custom_fields(state, fields_raw, errors),
    )
    if data.responsible_user_id is not None and data.responsible_user_id not in state.users:
        errors.add("NotSupportedChoice", "responsible_user_id", "The user does not exist.")
    raise_if_any([errors])
    contact_body = body.get("contact")
    known = as_int(contact_body.get("id")) if isinstance(contact_body, dict) else None
    if known is not None:  # a returning client (the CRM matched the phone to its contact)
        if known not in state.contacts:
            raise web.HTTPBadRequest(text=f"no contact {known}")
        data.contact_ids = [known]
    elif isinstance(contact_body, dict):
        contact = changes.add_contact(
            state,
            str(contact_body.get("name") or "Клиент"),
            phones=[str(contact_body["phone"])] if contact_body.get("phone") else [],
            emails=[str(contact_body["email"])] if contact_body.get("email") else [],
            responsible_user_id=data.responsible_user_id or 0,
        )
        data.contact_ids = [contact.id]
    lead = changes.create_lead(state, data, by=0)
    return web.json_response(lead_json(state, lead, closest_task_at=None, with_contacts=True))


@routes.post(r"/_sandbox/leads/{lead_id:\d+}/move")
async def move_lead(request: web.Request) -> web.StreamResponse:
    context = ctx(request)
    state = context.state
    lead = state.leads.get(int(request.match_info["lead_id"]))
    if lead is None:
        raise web.HTTPNotFound(text="no such lead")
    body = await _body(request)
    pipeline_id = as_int(body.get("pipeline_id")) or lead.pipeline_id
    status_id = as_int(body.get("status_id"))
    errors = Collector("0")
    if pipeline_id not in state.pipelines:
        errors.add("NotSupportedChoice", "pipeline_id", "The pipeline does not exist.")
    elif status_id is not None:
        status = state.status_of(pipeline_id, status_id)
        if status is None or status.type == STATUS_TYPE_UNSORTED:
            errors.add("NotSupportedChoice", "status_id", "No such stage in the pipeline.")
    responsible = as_int(body.get("responsible_user_id"))
    if responsible is not None and responsible not in state.users:
        errors.add("NotSupportedChoice", "responsible_user_id", "The user does not exist.")
    loss_reason = as_int(body.get("loss_reason_id"))
    if loss_reason is not None and loss_reason not in state.loss_reasons:
        errors.add("NotSupportedChoice", "loss_reason_id", "The loss reason does not exist.")
    raise_if_any([errors])
    data = LeadInput(
        status_id=status_id,
        pipeline_id=pipeline_id if pipeline_id != lead.pipeline_id else None,
        responsible_user_id=responsible,
        loss_reason_id=loss_reason,
    )
    by = _person(state, body, lead.responsible_user_id)
    changes.update_lead(state, lead, data, by=by)
    closest = min((t.complete_till for t in state.open_tasks_of(lead.id)), default=None)
    return web.json_response(lead_json(state, lead, closest_task_at=closest))


@routes.post(r"/_sandbox/tasks/{task_id:\d+}/complete")
async def complete_task(request: web.Request) -> web.StreamResponse:
    state = ctx(request).state
    task = state.tasks.get(int(request.match_info["task_id"]))
    if task is None:
        raise web.HTTPNotFound(text="no such task")
    body = await _body(request)
    result = body.get("result")
    data = TaskInput(is_completed=True, result_text=str(result) if result else None)
    changes.update_task(state, task, data, by=_person(state, body, task.responsible_user_id))
    return web.json_response(task_json(state, task))


@routes.get("/_sandbox/writes")
async def writes(request: web.Request) -> web.StreamResponse:
    state = ctx(request).state
    since = as_int(request.query.get("since")) or 0
    return web.json_response(
        {"total": len(state.writes), "writes": [asdict(w) for w in state.writes[since:]]}
    )


@routes.get("/_sandbox/webhooks")
async def webhook_log(request: web.Request) -> web.StreamResponse:
    state = ctx(request).state
    return web.json_response(
        [
            {"url": d.url, "body": d.body, "status": d.status, "error": d.error, "at": d.at}
            for d in state.webhook_deliveries
        ]
    )


@routes.post("/_sandbox/webhook")
async def set_webhook(request: web.Request) -> web.StreamResponse:
    context = ctx(request)
    body = await _body(request)
    url = body.get("url")
    context.webhook_url = str(url) if url else None
    if context.sender is not None:
        context.sender.url = context.webhook_url
    return web.json_response({"url": context.webhook_url})


@routes.get("/_sandbox/clock")
async def get_clock(request: web.Request) -> web.StreamResponse:
    state = ctx(request).state
    return web.json_response({"now": state.now(), "offset": state.clock_offset})


@routes.post("/_sandbox/clock")
async def shift_clock(request: web.Request) -> web.StreamResponse:
    state = ctx(request).state
    body = await _body(request)
    shift = body.get("shift", 0)
    if not isinstance(shift, int | float) or isinstance(shift, bool):
        raise web.HTTPBadRequest(text="shift must be a number of seconds")
    state.shift_clock(float(shift))
    return web.json_response({"now": state.now(), "offset": state.clock_offset})


@routes.post("/_sandbox/faults")
async def add_fault(request: web.Request) -> web.StreamResponse:
    state = ctx(request).state
    body = await _body(request)
    allowed = {"status", "times", "path", "method", "delay", "body", "apply"}
    unknown = set(body) - allowed
    if unknown:
        raise web.HTTPBadRequest(text=f"unknown fault keys: {sorted(unknown)}")
    fault = Fault(**body)
    state.faults.append(fault)
    return web.json_response({"queued": len(state.faults)})


@routes.post("/_sandbox/oauth/code")
async def oauth_code(request: web.Request) -> web.StreamResponse:
    context = ctx(request)
    return web.json_response({"code": issue_auth_code(context.state, context.oauth)})
