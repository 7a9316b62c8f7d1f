"""`GET /oauth/amocrm/callback?code=...&state=...`: where amoCRM sends the admin after install.

The code lives 20 minutes and works once, so it is exchanged right here (through the client, which
saves the token pair to its TokenStore before answering) and the admin sees a short page saying
whether the connection worked.
"""

from __future__ import annotations

import html
import logging

from aiohttp import web

from nextstep.bot.web.context import WEB_CONTEXT
from nextstep.crm_client.errors import CrmError

log = logging.getLogger(__name__)


def page(title: str, message: str, status: int = 200) -> web.Response:
    body = (
        "<!doctype html><html><head><meta charset='utf-8'>"
        f"<title>{html.escape(title)}</title></head>"
        f"<body><h1>{html.escape(title)}</h1><p>{html.escape(message)}</p></body></html>"
    )
    return web.Response(status=status, text=body, content_type="text/html")


async def oauth_callback(request: web.Request) -> web.Response:
    ctx = request.app[WEB_CONTEXT]
    if request.query.get("error"):
        return page("Not connected", "Access was not granted in amoCRM.", status=400)
    code = request.query.get("code", "")
    if not code:
        return page("Not connected", "The link has no authorization code.", status=400)
    if ctx.oauth_exchange is None:
        return page(
            "Not configured",
            "OAuth is not configured: set AMOCRM_CLIENT_ID, AMOCRM_CLIENT_SECRET and "
            "AMOCRM_REDIRECT_URI.",
            status=503,
        )
    try:
        await ctx.oauth_exchange(code)
    except CrmError as exc:
        log.warning("OAuth code exchange failed: %s", exc)
        return page("Not connected", f"amoCRM refused the code: {exc}", status=400)
    return page("Connected", "Nextstep is connected to amoCRM. You can close this page.")
