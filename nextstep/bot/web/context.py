"""What the web handlers share, stored on the aiohttp application under typed keys."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo

from aiohttp import web

from nextstep.bot.storage import Database
from nextstep.crm_client.models import CrmEvent

#: Called after a webhook stored new events (never with duplicates), e.g. to wake the inbox
#: worker. Keep it quick (set an asyncio.Event): it runs before the webhook is answered.
InboxCallback = Callable[[Sequence[CrmEvent]], Awaitable[None]]
#: Trades an OAuth authorization code for tokens (stored by whoever implements it).
CodeExchange = Callable[[str], Awaitable[object]]
Clock = Callable[[], datetime]


@dataclass(frozen=True)
class WebContext:
    db: Database
    webhook_secret: str
    account_subdomain: str | None  # None: do not check `account[subdomain]`
    account_tz: tzinfo
    on_inbox: InboxCallback | None
    oauth_exchange: CodeExchange | None
    clock: Clock


WEB_CONTEXT = web.AppKey("nextstep_web_context", WebContext)
