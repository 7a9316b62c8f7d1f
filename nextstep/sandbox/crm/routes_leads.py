"""`/api/v4/leads`: list (filters, order, pages), one, create, patch (batch or single)."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from . import changes, query
from .changes import LeadInput
from .context import ctx, items_of, json_body
from .hal import hal, no_content, paged
from .state import STATUS_TYPE_UNSORTED, CrmState, Lead
from .validation import Collector, as_int, raise_if_any
from .views import lead_json

routes = web.RouteTableDef()

LEAD_ORDER_FIELDS = ("updated_at", "created_at", "id")


def _lead_filter(state: CrmState, request: web.Request) -> list[Lead]:
    q = request.query
    leads = [lead for lead in state.leads.values() if not lead.is_deleted]
    if not ctx(request).filters_enabled:
        return leads  # like an account without the (alpha, paid) API filters
    ids = query.ints(q, "filter[id]")
    pipelines = query.ints(q, "filter[pipeline_id]")
    responsible = query.ints(q, "filter[responsible_user_id]")
    created_by = query.ints(q, "filter[created_by]")
    updated = query.time_range(q, "filter[updated_at]", bare_means_after=False)
    created = query.time_range(q, "filter[created_at]", bare_means_after=False)
    closed = query.time_range(q, "filter[closed_at]", bare_means_after=False)
    statuses = query.status_pairs(q)
    closest = (
        state.closest_task_index()
        if "filter[closest_task_at][from]" in q or ("filter[closest_task_at][to]" in q)
        else None
    )
    closest_range = query.time_range(q, "filter[closest_task_at]", bare_means_after=False)
    out: list[Lead] = []
    for lead in leads:
        if ids is not None and lead.id not in ids:
            continue
        if pipelines is not None and lead.pipeline_id not in pipelines:
            continue
        if responsible is not None and lead.responsible_user_id not in responsible:
            continue
        if created_by is not None and lead.created_by not in created_by:
            continue
        if not query.in_range(lead.updated_at, updated):
            continue
        if not query.in_range(lead.created_at, created):
            continue
        if not query.in_range(lead.closed_at, closed):
            continue
        if closest is not None and not query.in_range(closest.get(lead.id), closest_range):
            continue
        if statuses is not None and not any(
            (p is None or p == lead.pipeline_id) and (s is None or s == lead.status_id)
            for p, s in statuses
        ):
            continue
        out.append(lead)
    return out


@routes.get("/api/v4/leads")
async def list_leads(request: web.Request) -> web.StreamResponse:
    state = ctx(request).state
    leads = _lead_filter(state, request)
    ordering = query.order(request.query, LEAD_ORDER_FIELDS)
    if ordering is None:
        leads.sort(key=lambda lead: lead.id)
    else:
        field, desc = ordering
        leads.sort(key=lambda lead: (getattr(lead, field), lead.id), reverse=desc)
    withs = query.withs(request.query)
    closest = state.closest_task_index()
    return paged(
        request,
        "leads",
        leads,
        lambda lead: lead_json(
            state,
            lead,
            closest_task_at=closest.get(lead.id),
            with_contacts="contacts" in withs,
            with_loss_reason="loss_reason" in withs,
        ),
    )


@routes.get(r"/api/v4/leads/{lead_id:\d+}")
async def get_lead(request: web.Request) -> web.StreamResponse:
    state = ctx(request).state
    lead = state.leads.get(int(request.match_info["lead_id"]))
    if lead is None or lead.is_deleted:
        return no_content()
    withs = query.withs(request.query)
    closest = min((t.complete_till for t in state.open_tasks_of(lead.id)), default=None)
    return hal(
        lead_json(
            state,
            lead,
            closest_task_at=closest,
            with_contacts="contacts" in withs,
            with_loss_reason="loss_reason" in withs,
        )
    )


def parse_lead(state: CrmState, item: Any, errors: Collector, *, lead: Lead | None) -> LeadInput:
    """Validate one lead write (`lead` None = create) into a LeadInput; errors are collected."""
    data = LeadInput()
    if not isinstance(item, dict):
        errors.add("InvalidType", "", "This value should be of type object.")
        return data
    if "name" in item:
        if isinstance(item["name"], str):
            data.name = item["name"]
        else:
            errors.add("InvalidType", "name", "This value should be of type string.")
    if "price" in item and item["price"] is not None:
        price = item["price"]
        if isinstance(price, int | float) and not isinstance(price, bool):
            data.price = int(price)
        else:
            errors.add("InvalidType", "price", "This value should be of type int.")
    if "pipeline_id" in item:
        pipeline_id = as_int(item["pipeline_id"])
        if pipeline_id is None or pipeline_id not in state.pipelines:
            errors.add("NotSupportedChoice", "pipeline_id", "The pipeline does not exist.")
        else:
            data.pipeline_id = pipeline_id
    target_pipeline = data.pipeline_id or (lead.pipeline_id if lead else None)
    if target_pipeline is None:
        target_pipeline = state.main_pipeline().id if state.pipelines else None
    if "status_id" in item:
        status_id = as_int(item["status_id"])
        status = (
            state.status_of(target_pipeline, status_id)
            if status_id is not None and target_pipeline is not None
            else None
        )
        if status is None:
            errors.add(
                "NotSupportedChoice",
                "status_id",
                f"The status does not exist in pipeline {target_pipeline}.",
            )
        elif status.type == STATUS_TYPE_UNSORTED and (lead is None or lead.status_id != status.id):
            errors.add("NotSupportedChoice", "status_id", "Leads cannot be moved to unsorted.")
        else:
            data.status_id = status.id
    if "responsible_user_id" in item:
        user_id = as_int(item["responsible_user_id"])
        if user_id is None or user_id not in state.users:
            errors.add("NotSupportedChoice", "responsible_user_id", "The user does not exist.")
        else:
            data.responsible_user_id = user_id
    if "loss_reason_id" in item:
        reason = item["loss_reason_id"]
        reason_id = as_int(reason)
        if reason in (None, 0):
            data.clear_loss_reason = True
        elif reason_id is None or reason_id not in state.loss_reasons:
            errors.add("NotSupportedChoice", "loss_reason_id", "The loss reason does not exist.")
        else:
            data.loss_reason_id = reason_id
    if "updated_by" in item:
        data.updated_by = as_int(item["updated_by"])
    data.custom_fields = changes.parse_custom_fields(
        state, item.get("custom_fields_values"), errors
    )
    contacts = ((item.get("_embedded") or {}).get("contacts")) or []
    for i, contact in enumerate(contacts if isinstance(contacts, list) else []):
        contact_id = as_int(contact.get("id")) if isinstance(contact, dict) else None
        if contact_id is None or contact_id not in state.contacts:
            errors.add("NotFound", f"_embedded.contacts.{i}.id", "The contact does not exist.")
        else:
            data.contact_ids.append(contact_id)
    tags = ((item.get("_embedded") or {}).get("tags")) or item.get("tags_to_add") or []
    data.tags = [str(t.get("name")) for t in tags if isinstance(t, dict) and t.get("name")]

    # A stage may demand fields: check when the lead enters a new stage.
    new_pipeline = data.pipeline_id or (lead.pipeline_id if lead else target_pipeline)
    new_status = data.status_id
    if (
        new_status is None
        and data.pipeline_id is not None
        and (lead is None or data.pipeline_id != lead.pipeline_id)
    ):
        new_status = state.pipelines[data.pipeline_id].first_working().id
    if new_status is None and lead is None and new_pipeline is not None:
        new_status = state.pipelines[new_pipeline].first_working().id
    moving = new_status is not None and (
        lead is None or (new_pipeline, new_status) != (lead.pipeline_id, lead.status_id)
    )
    if moving and new_pipeline is not None and new_status is not None and not errors.errors:
        current = lead.custom_fields if lead else {}
        merged = changes.merged_fields(current, data.custom_fields)
        changes.check_required_fields(state, merged, new_pipeline, new_status, errors)
    return data


@routes.post("/api/v4/leads")
async def create_leads(request: web.Request) -> web.StreamResponse:
    context = ctx(request)
    state = context.state
    items = items_of(await json_body(request))
    collectors: list[Collector] = []
    inputs: list[tuple[str, LeadInput]] = []
    for i, item in enumerate(items):
        request_id = str(item.get("request_id", i)) if isinstance(item, dict) else str(i)
        errors = Collector(request_id)
        inputs.append((request_id, parse_lead(state, item, errors, lead=None)))
        collectors.append(errors)
    raise_if_any(collectors)
    created = []
    for request_id, data in inputs:
        lead = changes.create_lead(state, data, by=context.acting_user())
        created.append(
            {
                "id": lead.id,
                "request_id": request_id,
                "_links": {"self": {"href": f"/api/v4/leads/{lead.id}"}},
            }
        )
    return hal({"_links": {"self": {"href": "/api/v4/leads"}}, "_embedded": {"leads": created}})


async def _patch(request: web.Request, items: list[Any], ids: list[int | None]) -> list[Lead]:
    context = ctx(request)
    state = context.state
    collectors: list[Collector] = []
    plans: list[tuple[Lead, LeadInput]] = []
    for i, (item, lead_id) in enumerate(zip(items, ids, strict=True)):
        errors = Collector(str(i))
        collectors.append(errors)
        lead = state.leads.get(lead_id) if lead_id is not None else None
        if lead is None or lead.is_deleted:
            errors.add("NotFound", "id", "The lead does not exist.")
            continue
        plans.append((lead, parse_lead(state, item, errors, lead=lead)))
    raise_if_any(collectors)
    for lead, data in plans:
        changes.update_lead(state, lead, data, by=context.acting_user())
    return [lead for lead, _ in plans]


def _patched(lead: Lead, request_id: str | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": lead.id,
        "updated_at": lead.updated_at,
        "_links": {"self": {"href": f"/api/v4/leads/{lead.id}"}},
    }
    if request_id is not None:
        out["request_id"] = request_id
    return out


@routes.patch("/api/v4/leads")
async def patch_leads(request: web.Request) -> web.StreamResponse:
    items = items_of(await json_body(request))
    ids = [as_int(item.get("id")) if isinstance(item, dict) else None for item in items]
    leads = await _patch(request, items, ids)
    return hal(
        {
            "_links": {"self": {"href": "/api/v4/leads"}},
            "_embedded": {"leads": [_patched(lead, str(i)) for i, lead in enumerate(leads)]},
        }
    )


@routes.patch(r"/api/v4/leads/{lead_id:\d+}")
async def patch_lead(request: web.Request) -> web.StreamResponse:
    body = await json_body(request)
    leads = await _patch(request, [body], [int(request.match_info["lead_id"])])
    return hal(_patched(leads[0]))
