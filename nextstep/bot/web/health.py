"""`GET /healthz`: the process answers and its database does (what an orchestrator restarts on)."""

from __future__ import annotations

import asyncio
import logging

from aiohttp import web
from sqlalchemy import text

from nextstep.bot.web.context import WEB_CONTEXT

log = logging.getLogger(__name__)

DB_CHECK_TIMEOUT = 2.0


async def healthz(request: web.Request) -> web.Response:
    ctx = request.app[WEB_CONTEXT]
    try:
        async with asyncio.timeout(DB_CHECK_TIMEOUT), ctx.db.session() as session:
            await session.execute(text("SELECT 1"))
    except Exception as exc:
        log.warning("health check: database unreachable: %s", exc)
        return web.json_response(
            {"status": "error", "db": f"unreachable: {type(exc).__name__}"}, status=503
        )
    return web.json_response({"status": "ok", "db": "ok"})
