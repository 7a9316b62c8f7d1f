"""Lead notes: `POST /api/v4/leads/notes` (or `/leads/{id}/notes`), `GET /leads/{id}/notes`."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from . import changes, query
from .context import ctx, items_of, json_body
from .hal import hal, paged
from .state import NOTE_TYPES, CrmState, Lead
from .validation import Collector, as_int, raise_if_any
from .views import note_json

routes = web.RouteTableDef()

#: Required call params. `link` (the recording) is optional: an unanswered call has none.
CALL_PARAMS = ("uniq", "duration", "source", "phone")


def parse_note(
    state: CrmState, item: Any, errors: Collector, *, lead_id: int | None
) -> tuple[Lead | None, str, dict[str, Any]]:
    if not isinstance(item, dict):
        errors.add("InvalidType", "", "This value should be of type object.")
        return None, "", {}
    entity_id = lead_id if lead_id is not None else as_int(item.get("entity_id"))
    lead = state.leads.get(entity_id) if entity_id is not None else None
    if lead is None:
        errors.add("NotFound", "entity_id", "The lead does not exist.")
    note_type = str(item.get("note_type") or "")
    params = item.get("params") if isinstance(item.get("params"), dict) else {}
    assert isinstance(params, dict)
    if note_type not in NOTE_TYPES:
        errors.add("NotSupportedChoice", "note_type", f"Unknown note type {note_type!r}.")
    elif note_type in ("common", "service_message"):
        if not isinstance(params.get("text"), str) or not params["text"].strip():
            errors.add("NotBlank", "params.text", "This value should not be blank.")
    else:
        for key in CALL_PARAMS:
            if params.get(key) in (None, ""):
                errors.add("NotBlank", f"params.{key}", "This value should not be blank.")
    return lead, note_type, params


async def _add_notes(request: web.Request, lead_id: int | None) -> web.StreamResponse:
    context = ctx(request)
    state = context.state
    items = items_of(await json_body(request))
    collectors: list[Collector] = []
    plans: list[tuple[str, Lead, str, dict[str, Any]]] = []
    for i, item in enumerate(items):
        request_id = str(item.get("request_id", i)) if isinstance(item, dict) else str(i)
        errors = Collector(request_id)
        collectors.append(errors)
        lead, note_type, params = parse_note(state, item, errors, lead_id=lead_id)
        if lead is not None and not errors.errors:
            plans.append((request_id, lead, note_type, params))
    raise_if_any(collectors)
    created = []
    for request_id, lead, note_type, params in plans:
        note = changes.add_note(state, lead, note_type, params, by=context.acting_user())
        created.append(
            {
                "id": note.id,
                "entity_id": note.entity_id,
                "request_id": request_id,
                "_links": {"self": {"href": f"/api/v4/leads/{lead.id}/notes/{note.id}"}},
            }
        )
    return hal(
        {"_links": {"self": {"href": "/api/v4/leads/notes"}}, "_embedded": {"notes": created}}
    )


@routes.post("/api/v4/leads/notes")
async def add_notes(request: web.Request) -> web.StreamResponse:
    return await _add_notes(request, None)


@routes.post(r"/api/v4/leads/{lead_id:\d+}/notes")
async def add_lead_notes(request: web.Request) -> web.StreamResponse:
    return await _add_notes(request, int(request.match_info["lead_id"]))


@routes.get(r"/api/v4/leads/{lead_id:\d+}/notes")
async def lead_notes(request: web.Request) -> web.StreamResponse:
    state = ctx(request).state
    lead_id = int(request.match_info["lead_id"])
    types = query.values(request.query, "filter[note_type]") or None
    notes = [
        n
        for n in state.notes.values()
        if n.entity_id == lead_id and (types is None or n.note_type in types)
    ]
    return paged(request, "notes", notes, lambda note: note_json(state, note))


@routes.get("/api/v4/leads/notes")
async def all_notes(request: web.Request) -> web.StreamResponse:
    state = ctx(request).state
    entity_ids = query.ints(request.query, "filter[entity_id]")
    notes = [n for n in state.notes.values() if entity_ids is None or n.entity_id in entity_ids]
    return paged(request, "notes", notes, lambda note: note_json(state, note))
