"""What every route needs besides the request: the state and the app's switches."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from .auth import OAuthConfig
from .ratelimit import RateLimiter
from .state import CrmState
from .validation import FieldError, ValidationFailed
from .webhooks import WebhookSender


@dataclass
class CrmContext:
    state: CrmState
    tokens: frozenset[str]
    oauth: OAuthConfig
    limiter: RateLimiter
    filters_enabled: bool
    webhook_url: str | None
    sender: WebhookSender | None = None

    def acting_user(self) -> int:
        """Who API writes are made as: the token's owner, the first admin (as for a long-lived
        token made by an admin)."""
        admins = [u.id for u in self.state.users.values() if u.is_admin]
        return min(admins, default=0)


CONTEXT: web.AppKey[CrmContext] = web.AppKey("crm_context", CrmContext)


def ctx(request: web.Request) -> CrmContext:
    return request.app[CONTEXT]


async def json_body(request: web.Request) -> Any:
    """The JSON body, or a 400 in amoCRM's format when it is not JSON."""
    try:
        return json.loads(await request.text() or "null")
    except ValueError as exc:
        raise ValidationFailed(
            [FieldError("0", "InvalidJson", "", f"The body is not valid JSON: {exc}")]
        ) from exc


def items_of(body: Any) -> list[Any]:
    """A batch body is an array; a single object is taken as a batch of one."""
    if isinstance(body, list):
        return body
    if isinstance(body, dict):
        return [body]
    raise ValidationFailed([FieldError("0", "InvalidType", "", "Expected an array of objects.")])
