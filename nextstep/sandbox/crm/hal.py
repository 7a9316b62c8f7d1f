"""HAL+JSON answers as amoCRM gives them: `_page`, `_links.self/next`, `_embedded`; 204 if none."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from aiohttp import web

HAL_JSON = "application/hal+json"
PROBLEM_JSON = "application/problem+json"

T = TypeVar("T")

DEFAULT_LIMIT = 50
MAX_LIMIT = 250
EVENTS_MAX_LIMIT = 100


def _dumps(body: Any) -> str:
    return json.dumps(body, ensure_ascii=False, separators=(",", ":"))


def hal(body: Any, status: int = 200) -> web.Response:
    return web.Response(status=status, text=_dumps(body), content_type=HAL_JSON, charset="utf-8")


def problem(status: int, title: str, detail: str, **extra: Any) -> web.Response:
    body = {
        "title": title,
        "type": f"https://httpstatus.es/{status}",
        "status": status,
        "detail": detail,
        **extra,
    }
    return web.Response(status=status, text=_dumps(body), content_type=PROBLEM_JSON)


def problem_body(status: int, body: dict[str, Any]) -> web.Response:
    return web.Response(status=status, text=_dumps(body), content_type=PROBLEM_JSON)


def no_content() -> web.Response:
    """amoCRM's "nothing found": 204 with an empty body (no Content-Type)."""
    return web.Response(status=204)


def page_params(request: web.Request, *, max_limit: int = MAX_LIMIT) -> tuple[int, int]:
    """(page, limit) from the query; out-of-range values are clamped as amoCRM does."""
    try:
        page = max(1, int(request.query.get("page", "1")))
    except ValueError:
        page = 1
    try:
        limit = int(request.query.get("limit", str(DEFAULT_LIMIT)))
    except ValueError:
        limit = DEFAULT_LIMIT
    return page, min(max(1, limit), max_limit)


def _href(request: web.Request, page: int, limit: int) -> str:
    query = [(k, v) for k, v in request.query.items() if k not in ("page", "limit")]
    query += [("page", str(page)), ("limit", str(limit))]
    return str(request.url.with_query(query))


def paged(
    request: web.Request,
    key: str,
    items: Sequence[T],
    render: Callable[[T], dict[str, Any]],
    *,
    max_limit: int = MAX_LIMIT,
    total: bool = False,
) -> web.Response:
    """One page of `items` under `_embedded[key]`; 204 when the page is empty.

    Only the page's slice is rendered (a 10 000-lead account stays fast). `_links.next`
    appears only when a further page has items.
    """
    page, limit = page_params(request, max_limit=max_limit)
    start = (page - 1) * limit
    chunk = items[start : start + limit]
    if not chunk:
        return no_content()
    links: dict[str, Any] = {"self": {"href": _href(request, page, limit)}}
    if start + limit < len(items):
        links["next"] = {"href": _href(request, page + 1, limit)}
    if page > 1:
        links["prev"] = {"href": _href(request, page - 1, limit)}
    body: dict[str, Any] = {
        "_page": page,
        "_links": links,
        "_embedded": {key: [render(item) for item in chunk]},
    }
    if total:
        body["_total_items"] = len(items)
        body["_page_count"] = (len(items) + limit - 1) // limit
    return hal(body)
