"""`/api/v4/tasks`: list (filters always work), one, create, patch/complete."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from . import changes, query
from .changes import TaskInput
from .context import ctx, items_of, json_body
from .hal import hal, no_content, paged
from .state import CrmState, Task
from .validation import Collector, as_int, raise_if_any
from .views import task_json

routes = web.RouteTableDef()

ENTITY_TYPES = ("leads", "contacts", "companies", "customers")
TASK_ORDER_FIELDS = ("complete_till", "created_at", "id", "updated_at")


def _task_filter(state: CrmState, request: web.Request) -> list[Task]:
    q = request.query
    completed_raw = q.get("filter[is_completed]")
    completed = None if completed_raw in (None, "") else completed_raw in ("1", "true")
    responsible = query.ints(q, "filter[responsible_user_id]")
    entity_types = query.values(q, "filter[entity_type]") or None
    entity_ids = query.ints(q, "filter[entity_id]")
    ids = query.ints(q, "filter[id]")
    types = query.ints(q, "filter[task_type]") or query.ints(q, "filter[task_type_id]")
    updated = query.time_range(q, "filter[updated_at]")
    out: list[Task] = []
    for task in state.tasks.values():
        if completed is not None and task.is_completed != completed:
            continue
        if responsible is not None and task.responsible_user_id not in responsible:
            continue
        if entity_types is not None and task.entity_type not in entity_types:
            continue
        if entity_ids is not None and task.entity_id not in entity_ids:
            continue
        if ids is not None and task.id not in ids:
            continue
        if types is not None and task.task_type_id not in types:
            continue
        if not query.in_range(task.updated_at, updated):
            continue
        out.append(task)
    return out


@routes.get("/api/v4/tasks")
async def list_tasks(request: web.Request) -> web.StreamResponse:
    state = ctx(request).state
    tasks = _task_filter(state, request)
    ordering = query.order(request.query, TASK_ORDER_FIELDS)
    if ordering is None:
        tasks.sort(key=lambda t: t.id)
    else:
        field, desc = ordering
        tasks.sort(key=lambda t: (getattr(t, field), t.id), reverse=desc)
    return paged(request, "tasks", tasks, lambda task: task_json(state, task))


@routes.get(r"/api/v4/tasks/{task_id:\d+}")
async def get_task(request: web.Request) -> web.StreamResponse:
    state = ctx(request).state
    task = state.tasks.get(int(request.match_info["task_id"]))
    return no_content() if task is None else hal(task_json(state, task))


def parse_task(state: CrmState, item: Any, errors: Collector, *, task: Task | None) -> TaskInput:
    """Validate one task write (`task` None = create)."""
    data = TaskInput()
    if not isinstance(item, dict):
        errors.add("InvalidType", "", "This value should be of type object.")
        return data
    creating = task is None
    if "text" in item or creating:
        text = item.get("text")
        if not isinstance(text, str) or not text.strip():
            errors.add("NotBlank", "text", "This value should not be blank.")
        else:
            data.text = text
    if "complete_till" in item or creating:
        till = as_int(item.get("complete_till"))
        if till is None:
            errors.add("NotBlank", "complete_till", "This value should not be blank.")
        else:
            data.complete_till = till
    if "responsible_user_id" in item:
        user_id = as_int(item["responsible_user_id"])
        if user_id is None or user_id not in state.users:
            errors.add("NotSupportedChoice", "responsible_user_id", "The user does not exist.")
        else:
            data.responsible_user_id = user_id
    if "task_type_id" in item and item["task_type_id"] is not None:
        data.task_type_id = as_int(item["task_type_id"])
        if data.task_type_id is None:
            errors.add("InvalidType", "task_type_id", "This value should be of type int.")
    if "duration" in item and item["duration"] is not None:
        data.duration = as_int(item["duration"])
    if creating:
        entity_type = item.get("entity_type")
        entity_id = as_int(item.get("entity_id"))
        if entity_id is not None or entity_type is not None:
            if entity_type not in ENTITY_TYPES:
                errors.add("NotSupportedChoice", "entity_type", "Unknown entity type.")
            elif entity_id is None:
                errors.add("NotBlank", "entity_id", "This value should not be blank.")
            elif entity_type == "leads" and entity_id not in state.leads:
                errors.add("NotFound", "entity_id", "The lead does not exist.")
            elif entity_type == "contacts" and entity_id not in state.contacts:
                errors.add("NotFound", "entity_id", "The contact does not exist.")
            else:
                data.entity_type, data.entity_id = str(entity_type), entity_id
    if "is_completed" in item:
        if not isinstance(item["is_completed"], bool):
            errors.add("InvalidType", "is_completed", "This value should be of type bool.")
        else:
            data.is_completed = item["is_completed"]
    if "result" in item and item["result"] not in (None, []):
        result = item["result"]
        text = result.get("text") if isinstance(result, dict) else None
        if not isinstance(text, str):
            errors.add("InvalidType", "result.text", "This value should be of type string.")
        else:
            data.result_text = text
    return data


@routes.post("/api/v4/tasks")
async def create_tasks(request: web.Request) -> web.StreamResponse:
    context = ctx(request)
    state = context.state
    items = items_of(await json_body(request))
    collectors: list[Collector] = []
    inputs: list[tuple[str, TaskInput]] = []
    for i, item in enumerate(items):
        request_id = str(item.get("request_id", i)) if isinstance(item, dict) else str(i)
        errors = Collector(request_id)
        collectors.append(errors)
        inputs.append((request_id, parse_task(state, item, errors, task=None)))
    raise_if_any(collectors)
    created = []
    for request_id, data in inputs:
        task = changes.create_task(state, data, by=context.acting_user())
        created.append(
            {
                "id": task.id,
                "request_id": request_id,
                "_links": {"self": {"href": f"/api/v4/tasks/{task.id}"}},
            }
        )
    return hal({"_links": {"self": {"href": "/api/v4/tasks"}}, "_embedded": {"tasks": created}})


async def _patch(request: web.Request, items: list[Any], ids: list[int | None]) -> list[Task]:
    context = ctx(request)
    state = context.state
    collectors: list[Collector] = []
    plans: list[tuple[Task, TaskInput]] = []
    for i, (item, task_id) in enumerate(zip(items, ids, strict=True)):
        errors = Collector(str(i))
        collectors.append(errors)
        task = state.tasks.get(task_id) if task_id is not None else None
        if task is None:
            errors.add("NotFound", "id", "The task does not exist.")
            continue
        plans.append((task, parse_task(state, item, errors, task=task)))
    raise_if_any(collectors)
    for task, data in plans:
        changes.update_task(state, task, data, by=context.acting_user())
    return [task for task, _ in plans]


def _patched(task: Task, request_id: str | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": task.id,
        "updated_at": task.updated_at,
        "_links": {"self": {"href": f"/api/v4/tasks/{task.id}"}},
    }
    if request_id is not None:
        out["request_id"] = request_id
    return out


@routes.patch("/api/v4/tasks")
async def patch_tasks(request: web.Request) -> web.StreamResponse:
    items = items_of(await json_body(request))
    ids = [as_int(item.get("id")) if isinstance(item, dict) else None for item in items]
    tasks = await _patch(request, items, ids)
    return hal(
        {
            "_links": {"self": {"href": "/api/v4/tasks"}},
            "_embedded": {"tasks": [_patched(t, str(i)) for i, t in enumerate(tasks)]},
        }
    )


@routes.patch(r"/api/v4/tasks/{task_id:\d+}")
async def patch_task(request: web.Request) -> web.StreamResponse:
    body = await json_body(request)
    tasks = await _patch(request, [body], [int(request.match_info["task_id"])])
    return hal(_patched(tasks[0]))
