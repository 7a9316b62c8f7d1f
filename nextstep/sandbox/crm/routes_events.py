"""`GET /api/v4/events`: the feed of changes, newest first, limit ≤ 100 (filters always work)."""

from __future__ import annotations

from aiohttp import web

from . import query
from .context import ctx
from .hal import EVENTS_MAX_LIMIT, paged
from .views import event_json

routes = web.RouteTableDef()

ENTITY_ALIASES = {"leads": "lead", "tasks": "task", "contacts": "contact", "companies": "company"}


@routes.get("/api/v4/events")
async def list_events(request: web.Request) -> web.StreamResponse:
    state = ctx(request).state
    q = request.query
    types = set(query.values(q, "filter[type]")) or None
    entities = {ENTITY_ALIASES.get(e, e) for e in query.values(q, "filter[entity]")} or None
    entity_ids = query.ints(q, "filter[entity_id]")
    created_by = query.ints(q, "filter[created_by]")
    ids = set(query.values(q, "filter[id]")) or None
    created = query.time_range(q, "filter[created_at]")
    events = [
        e
        for e in state.events
        if (types is None or e.type in types)
        and (entities is None or e.entity_type in entities)
        and (entity_ids is None or e.entity_id in entity_ids)
        and (created_by is None or e.created_by in created_by)
        and (ids is None or e.id in ids)
        and query.in_range(e.created_at, created)
    ]
    events.sort(key=lambda e: (e.created_at, e.seq), reverse=True)
    return paged(
        request, "events", events, lambda e: event_json(state, e), max_limit=EVENTS_MAX_LIMIT
    )
