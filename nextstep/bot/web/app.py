"""The one aiohttp application: CRM webhooks, the OAuth callback, health, Telegram's webhook."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, tzinfo
from enum import Enum
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from aiohttp import web

from nextstep.bot.config import Settings
from nextstep.bot.crm_factory import account_key, account_subdomain, build_crm_client, oauth_config
from nextstep.bot.storage import Database, DbTokenStore
from nextstep.bot.web.amocrm_webhook import MAX_BODY_BYTES, amocrm_webhook
from nextstep.bot.web.context import WEB_CONTEXT, Clock, CodeExchange, InboxCallback, WebContext
from nextstep.bot.web.health import healthz
from nextstep.bot.web.oauth import oauth_callback
from nextstep.bot.web.telegram import Handler, mount_telegram_webhook

log = logging.getLogger(__name__)

AMOCRM_WEBHOOK_PATH = "/webhooks/amocrm/{secret}"
OAUTH_CALLBACK_PATH = "/oauth/amocrm/callback"
HEALTH_PATH = "/healthz"


class _Default(Enum):
    """Marks "derive from the settings" where None already means "off"."""

    FROM_SETTINGS = "from settings"


FROM_SETTINGS = _Default.FROM_SETTINGS


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _zone(name: str) -> tzinfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        log.warning("unknown TIMEZONE %r: webhook dates are read as UTC", name)
        return UTC


def default_code_exchange(db: Database, settings: Settings) -> CodeExchange | None:
    """Exchange through a short-lived client whose tokens land in the database; None without
    OAuth settings."""
    if oauth_config(settings) is None or not settings.amocrm_base_url:
        return None

    async def exchange(code: str) -> object:
        store = DbTokenStore(db.sessionmaker, account_key(settings))
        no_token = settings.model_copy(update={"amocrm_long_lived_token": None})
        async with build_crm_client(no_token, store) as client:
            return await client.exchange_code(code)

    return exchange


def create_web_app(
    db: Database,
    settings: Settings,
    on_inbox: InboxCallback | None = None,
    *,
    oauth_exchange: CodeExchange | Literal[_Default.FROM_SETTINGS] | None = FROM_SETTINGS,
    account_subdomain_check: str | Literal[_Default.FROM_SETTINGS] | None = FROM_SETTINGS,
    telegram_handler: Handler | None = None,
    clock: Clock = _utc_now,
) -> web.Application:
    """The HTTP app. Defaults come from `settings`; the keyword arguments are for wiring and tests:

    - `oauth_exchange`: how to trade an OAuth code (default: a client built from the settings);
    - `account_subdomain_check`: the subdomain webhooks must name (default: the one in
      AMOCRM_BASE_URL; None turns the check off);
    - `telegram_handler`: mounts `POST /webhooks/telegram` (see `mount_telegram_webhook`).
    """
    secret = settings.webhook_secret.get_secret_value()
    if not secret:
        log.warning("WEBHOOK_SECRET is empty: CRM webhooks are refused (404) until it is set")
    exchange = (
        default_code_exchange(db, settings) if oauth_exchange is FROM_SETTINGS else oauth_exchange
    )
    subdomain = (
        account_subdomain(settings.amocrm_base_url)
        if account_subdomain_check is FROM_SETTINGS
        else account_subdomain_check
    )
    app = web.Application(client_max_size=MAX_BODY_BYTES)
    app[WEB_CONTEXT] = WebContext(
        db=db,
        webhook_secret=secret,
        account_subdomain=subdomain,
        account_tz=_zone(settings.timezone),
        on_inbox=on_inbox,
        oauth_exchange=exchange,
        clock=clock,
    )
    app.router.add_post(AMOCRM_WEBHOOK_PATH, amocrm_webhook)
    app.router.add_get(OAUTH_CALLBACK_PATH, oauth_callback)
    app.router.add_get(HEALTH_PATH, healthz)
    if telegram_handler is not None:
        secret_token = settings.telegram_webhook_secret
        mount_telegram_webhook(
            app, telegram_handler, secret_token.get_secret_value() if secret_token else None
        )
    return app


async def start_web_server(app: web.Application, host: str, port: int) -> web.AppRunner:
    """Serve `app` on host:port; stop it with `await runner.cleanup()`."""
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    return runner
