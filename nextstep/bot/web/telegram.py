"""The hook for `POST /webhooks/telegram` (webhook mode): the bot wiring brings the handler.

Telegram signs nothing either; it echoes the secret given to setWebhook in the
`X-Telegram-Bot-Api-Secret-Token` header, which is checked here (constant time) before the
handler sees the update.
"""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable

from aiohttp import web

TELEGRAM_PATH = "/webhooks/telegram"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def mount_telegram_webhook(app: web.Application, handler: Handler, secret: str | None) -> None:
    """Add the route (before the app starts). With `secret` set, requests without it get 401."""

    async def guarded(request: web.Request) -> web.StreamResponse:
        if secret:
            given = request.headers.get(SECRET_HEADER, "")
            if not hmac.compare_digest(given.encode(), secret.encode()):
                raise web.HTTPUnauthorized(text="wrong secret token")
        return await handler(request)

    app.router.add_post(TELEGRAM_PATH, guarded)
