"""`create_crm_app`: the sandbox CRM as an aiohttp application speaking amoCRM API v4.

Request path through the middlewares: injected faults → token check (401) → request limit
(429 plain text / 403 blocked) → the route, whose writes are logged in `state.writes`; a
`ValidationFailed` from a route becomes amoCRM's 400 `validation-errors` answer.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

from aiohttp import web

from . import control, routes_account, routes_events, routes_leads, routes_notes, routes_tasks
from .auth import DEFAULT_TOKEN, OAuthConfig, bearer_token, check_token, token_endpoint
from .auth import unauthorized as unauthorized_answer
from .context import CONTEXT, CrmContext
from .faults import delay, fault_response, take_fault
from .hal import problem, problem_body
from .ratelimit import RateLimiter
from .state import CrmState, WriteRecord
from .validation import ValidationFailed
from .webhooks import WebhookSender

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
WRITE_METHODS = frozenset({"POST", "PATCH", "PUT", "DELETE"})
SENDER: web.AppKey[WebhookSender] = web.AppKey("crm_webhook_sender", WebhookSender)


def _is_api(path: str) -> bool:
    return path.startswith("/api/")


@web.middleware
async def faults_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    path = request.path
    if not (_is_api(path) or path.startswith("/oauth2/")):
        return await handler(request)
    fault = take_fault(request.app[CONTEXT].state, request.method, path)
    if fault is None:
        return await handler(request)
    await delay(fault)
    if fault.status is None:
        return await handler(request)
    if fault.apply:
        await handler(request)
    return fault_response(fault)


@web.middleware
async def auth_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    if not _is_api(request.path):
        return await handler(request)
    context = request.app[CONTEXT]
    token = bearer_token(request)
    refusal = check_token(context.state, context.tokens, token)
    if refusal is not None:
        return unauthorized_answer(refusal)
    assert token is not None
    limited = context.limiter.check(token)
    if limited is not None:
        return limited
    return await handler(request)


@web.middleware
async def api_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Turns validation failures into 400s and logs every write request the API got."""
    is_write = _is_api(request.path) and request.method in WRITE_METHODS
    try:
        response = await handler(request)
    except ValidationFailed as failure:
        response = problem_body(400, failure.body())
    except web.HTTPNotFound:
        if not _is_api(request.path):
            raise
        response = problem(404, "Not Found", f"No route {request.method} {request.path}")
    except web.HTTPMethodNotAllowed:
        if not _is_api(request.path):
            raise
        response = problem(405, "Method Not Allowed", f"{request.method} is not supported here")
    if is_write:
        context = request.app[CONTEXT]
        raw = await request.text()
        body: Any
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = raw
        context.state.writes.append(
            WriteRecord(
                method=request.method,
                path=request.path,
                body=body,
                status=response.status,
                at=context.state.now(),
                token=bearer_token(request),
            )
        )
    return response


def create_crm_app(
    state: CrmState,
    *,
    tokens: Iterable[str] = (DEFAULT_TOKEN,),
    oauth: OAuthConfig | None = None,
    rate_limit: float | None = 7.0,
    block_after_429s: int | None = None,
    block_window: float = 60.0,
    block_seconds: float = 60.0,
    webhook_url: str | None = None,
    webhook_timeout: float = 2.0,
    filters_enabled: bool = True,
) -> web.Application:
    """The sandbox CRM over `state`.

    `tokens`: long-lived tokens that always work. `oauth`: the integration's client id/secret,
    redirect URI and token lifetimes (default `OAuthConfig()`). `rate_limit`: requests per
    second per token (None = unlimited); `block_after_429s`: more 429s than this within
    `block_window` s block the account (403) for `block_seconds`. `webhook_url`: where change
    webhooks go (None = nowhere; settable later). `filters_enabled=False` makes the lead list
    ignore every `filter[...]`, as accounts without the API-filter add-on do.
    """
    context = CrmContext(
        state=state,
        tokens=frozenset(tokens),
        oauth=oauth or OAuthConfig(),
        limiter=RateLimiter(
            rate=rate_limit,
            block_after=block_after_429s,
            block_window=block_window,
            block_seconds=block_seconds,
        ),
        filters_enabled=filters_enabled,
        webhook_url=webhook_url,
    )
    app = web.Application(middlewares=[faults_middleware, auth_middleware, api_middleware])
    app[CONTEXT] = context
    sender = WebhookSender(state, webhook_url, timeout=webhook_timeout)
    context.sender = sender
    app[SENDER] = sender

    async def start_sender(app: web.Application) -> None:
        await app[SENDER].start()

    async def stop_sender(app: web.Application) -> None:
        await app[SENDER].stop()

    app.on_startup.append(start_sender)
    app.on_cleanup.append(stop_sender)
    app.router.add_post("/oauth2/access_token", token_endpoint(state, context.oauth))
    for table in (
        routes_account.routes,
        routes_leads.routes,
        routes_notes.routes,
        routes_tasks.routes,
        routes_events.routes,
        control.routes,
    ):
        app.add_routes(table)
    return app
