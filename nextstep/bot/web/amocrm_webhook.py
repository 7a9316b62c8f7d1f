"""`POST /webhooks/amocrm/{secret}`: store what amoCRM announces, answer at once.

amoCRM waits at most 2 s, retries a failed delivery up to 4 times and disables a webhook after
100 failures in 2 hours, so this handler does no CRM call: it parses, stores the events in the
inbox (deduplicated: a resent webhook is stored once) and answers 200. Webhooks are unsigned, so
the secret in the path is the only credential; it is compared in constant time and a wrong one
answers 404, as if the route did not exist.
"""

from __future__ import annotations

import hmac
import logging

from aiohttp import web

from nextstep.bot.storage.inbox import enqueue_inbox
from nextstep.bot.web.context import WEB_CONTEXT
from nextstep.crm_client.amocrm import parse_webhook
from nextstep.crm_client.errors import WebhookParseError
from nextstep.crm_client.models import CrmEvent

log = logging.getLogger(__name__)

INBOX_SOURCE = "amocrm"
MAX_BODY_BYTES = 1024 * 1024


def secret_matches(given: str, expected: str) -> bool:
    """Constant-time comparison; an unset secret matches nothing (webhooks disabled)."""
    if not expected:
        return False
    return hmac.compare_digest(given.encode(), expected.encode())


async def amocrm_webhook(request: web.Request) -> web.Response:
    ctx = request.app[WEB_CONTEXT]
    if not secret_matches(request.match_info.get("secret", ""), ctx.webhook_secret):
        raise web.HTTPNotFound()
    body = await request.read()
    try:
        batch = parse_webhook(body, tz=ctx.account_tz)
    except WebhookParseError as exc:
        log.warning("amoCRM webhook refused: %s", exc.reason)
        return web.Response(status=400, text=exc.reason)
    if (
        ctx.account_subdomain is not None
        and batch.subdomain is not None
        and batch.subdomain.lower() != ctx.account_subdomain.lower()
    ):
        log.warning("amoCRM webhook from another account: %s", batch.subdomain)
        return web.Response(status=400, text="unknown account")

    now = ctx.clock()
    stored: list[CrmEvent] = []
    async with ctx.db.transaction() as session:
        for event in batch.events:
            payload = event.model_dump(mode="json")
            if await enqueue_inbox(session, INBOX_SOURCE, event.dedup_key(), payload, now):
                stored.append(event)
    log.info("amoCRM webhook: %d events, %d new", len(batch.events), len(stored))
    if stored and ctx.on_inbox is not None:
        try:
            await ctx.on_inbox(stored)
        except Exception:  # the events are stored: the worker's poll will find them anyway
            log.exception("the inbox callback failed")
    return web.Response(text=f"ok: {len(stored)} new of {len(batch.events)}")
