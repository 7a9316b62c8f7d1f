"""Account-level reads: account, users, pipelines/statuses, loss reasons, custom fields,
contacts; and the Salesbot launchers (amoCRM RU v2 and Kommo v4)."""

from __future__ import annotations

from aiohttp import web

from . import query
from .context import ctx, items_of, json_body
from .hal import hal, no_content, paged
from .state import Pipeline
from .validation import Collector, as_int, raise_if_any
from .views import (
    account_json,
    contact_json,
    custom_field_json,
    loss_reason_json,
    pipeline_json,
    status_json,
    user_json,
)

routes = web.RouteTableDef()


@routes.get("/api/v4/account")
async def account(request: web.Request) -> web.StreamResponse:
    return hal(account_json(ctx(request).state))


@routes.get("/api/v4/users")
async def users(request: web.Request) -> web.StreamResponse:
    state = ctx(request).state
    items = sorted(state.users.values(), key=lambda u: u.id)
    return paged(request, "users", items, user_json, total=True)


@routes.get(r"/api/v4/users/{user_id:\d+}")
async def user(request: web.Request) -> web.StreamResponse:
    found = ctx(request).state.users.get(int(request.match_info["user_id"]))
    return no_content() if found is None else hal(user_json(found))


def _pipelines(request: web.Request) -> list[Pipeline]:
    return sorted(ctx(request).state.pipelines.values(), key=lambda p: (p.sort, p.id))


@routes.get("/api/v4/leads/pipelines")
async def pipelines(request: web.Request) -> web.StreamResponse:
    state = ctx(request).state
    items = [pipeline_json(state, p) for p in _pipelines(request)]
    return hal(
        {
            "_total_items": len(items),
            "_links": {"self": {"href": "/api/v4/leads/pipelines"}},
            "_embedded": {"pipelines": items},
        }
    )


@routes.get(r"/api/v4/leads/pipelines/{pipeline_id:\d+}")
async def pipeline(request: web.Request) -> web.StreamResponse:
    state = ctx(request).state
    found = state.pipelines.get(int(request.match_info["pipeline_id"]))
    return no_content() if found is None else hal(pipeline_json(state, found))


@routes.get(r"/api/v4/leads/pipelines/{pipeline_id:\d+}/statuses")
async def statuses(request: web.Request) -> web.StreamResponse:
    state = ctx(request).state
    found = state.pipelines.get(int(request.match_info["pipeline_id"]))
    if found is None:
        return no_content()
    items = [status_json(state, s) for s in sorted(found.statuses, key=lambda s: s.sort)]
    return hal(
        {
            "_total_items": len(items),
            "_links": {"self": {"href": str(request.rel_url)}},
            "_embedded": {"statuses": items},
        }
    )


@routes.get("/api/v4/leads/loss_reasons")
async def loss_reasons(request: web.Request) -> web.StreamResponse:
    items = sorted(ctx(request).state.loss_reasons.values(), key=lambda r: (r.sort, r.id))
    return paged(request, "loss_reasons", items, loss_reason_json)


@routes.get(r"/api/v4/{entity:leads|contacts}/custom_fields")
async def custom_fields(request: web.Request) -> web.StreamResponse:
    state = ctx(request).state
    entity = request.match_info["entity"]
    items = sorted(
        (f for f in state.custom_fields.values() if f.entity_type == entity),
        key=lambda f: (f.sort, f.id),
    )
    return paged(request, "custom_fields", items, lambda f: custom_field_json(state, f))


@routes.get("/api/v4/contacts")
async def contacts(request: web.Request) -> web.StreamResponse:
    state = ctx(request).state
    items = sorted(state.contacts.values(), key=lambda c: c.id)
    leads = "leads" in query.withs(request.query)
    return paged(request, "contacts", items, lambda c: contact_json(state, c, with_leads=leads))


@routes.get(r"/api/v4/contacts/{contact_id:\d+}")
async def contact(request: web.Request) -> web.StreamResponse:
    state = ctx(request).state
    found = state.contacts.get(int(request.match_info["contact_id"]))
    if found is None:
        return no_content()
    return hal(contact_json(state, found, with_leads="leads" in query.withs(request.query)))


@routes.post("/api/v2/salesbot/run")
async def run_salesbot_v2(request: web.Request) -> web.StreamResponse:
    """amoCRM RU: `[{bot_id, entity_id, entity_type: 2}]` → `{"success": true}`."""
    state = ctx(request).state
    items = items_of(await json_body(request))
    collectors: list[Collector] = []
    runs: list[tuple[int, int]] = []
    for i, item in enumerate(items):
        errors = Collector(str(i))
        collectors.append(errors)
        bot_id = as_int(item.get("bot_id")) if isinstance(item, dict) else None
        lead_id = as_int(item.get("entity_id")) if isinstance(item, dict) else None
        if bot_id is None or bot_id not in state.salesbots:
            errors.add("NotFound", "bot_id", "The Salesbot does not exist.")
        if lead_id is None or lead_id not in state.leads:
            errors.add("NotFound", "entity_id", "The lead does not exist.")
        if bot_id is not None and lead_id is not None:
            runs.append((bot_id, lead_id))
    raise_if_any(collectors)
    for bot_id, lead_id in runs:
        state.salesbots[bot_id].runs.append((lead_id, state.now()))
    return web.json_response({"success": True})


@routes.post(r"/api/v4/bots/{bot_id:\d+}/run")
async def run_salesbot_v4(request: web.Request) -> web.StreamResponse:
    """Kommo: `{entity_id, entity_type: "leads"}` → 202."""
    state = ctx(request).state
    bot_id = int(request.match_info["bot_id"])
    body = await json_body(request)
    lead_id = as_int(body.get("entity_id")) if isinstance(body, dict) else None
    errors = Collector("0")
    if bot_id not in state.salesbots:
        errors.add("NotFound", "bot_id", "The Salesbot does not exist.")
    if lead_id is None or lead_id not in state.leads:
        errors.add("NotFound", "entity_id", "The lead does not exist.")
    raise_if_any([errors])
    assert lead_id is not None
    state.salesbots[bot_id].runs.append((lead_id, state.now()))
    return web.Response(status=202)
