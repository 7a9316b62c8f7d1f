"""The composition root: the only module that knows every concrete class.

`Runtime` builds and runs the whole product — database (migrated), CRM client, playbook resolved
against the account, i18n, aiogram bot and dispatcher, the two outbox relays, the inbox worker,
the HTTP server and the scheduler — for `nextstep run`, the demo and the end-to-end tests alike.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Coroutine
from datetime import datetime
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.fsm.storage.base import BaseStorage
from aiogram.fsm.storage.memory import MemoryStorage
from aiogram.fsm.storage.redis import RedisStorage
from aiogram.webhook.aiohttp_server import SimpleRequestHandler
from aiohttp import web

from nextstep import handlers
from nextstep.bot.config import Settings
from nextstep.bot.crm_factory import account_key, build_crm_client
from nextstep.bot.delivery import CrmWriteRelay, TelegramSender
from nextstep.bot.i18n import build_i18n
from nextstep.bot.playbook.loader import load_playbook
from nextstep.bot.playbook.resolve import resolve
from nextstep.bot.playbook.resolved import ResolvedPlaybook
from nextstep.bot.services.crm_refused import show_refusal
from nextstep.bot.services.deps import Services, utc_now
from nextstep.bot.services.inbox import process_inbox
from nextstep.bot.storage import Database, DbTokenStore
from nextstep.bot.storage.migrate import upgrade
from nextstep.bot.web.app import create_web_app
from nextstep.crm_client.protocol import CrmClient
from nextstep.handlers.menu import publish_menu
from nextstep.jobs import make_scheduler

log = logging.getLogger(__name__)
INBOX_POLL_SECONDS = 1.0


def build_fsm_storage(settings: Settings) -> BaseStorage:
    """Conversation state (a typed call-back time, a result being written): in Redis when
    REDIS_URL is set, so it survives restarts and is shared by several bot processes."""
    if settings.redis_url:
        return RedisStorage.from_url(settings.redis_url)
    return MemoryStorage()


def build_bot(settings: Settings) -> Bot:
    session = AiohttpSession(api=TelegramAPIServer.from_base(settings.telegram_api_url))
    return Bot(settings.bot_token.get_secret_value(), session=session)


async def load_resolved_playbook(settings: Settings, crm: CrmClient) -> ResolvedPlaybook:
    """Stage names and positions → this account's ids (a clear error names what is missing)."""
    playbook = load_playbook(settings.playbook_path)
    return resolve(playbook, await crm.list_pipelines(), await crm.list_loss_reasons())


class Runtime:
    """Start with `await runtime.start()`, stop with `await runtime.stop()` (or `async with`)."""

    def __init__(
        self,
        settings: Settings,
        *,
        crm: CrmClient | None = None,
        clock: Callable[[], datetime] = utc_now,
        polling: bool = True,
        scheduler: bool = True,
    ) -> None:
        self.settings = settings
        self.clock = clock
        self.db = Database(settings.database_url)
        self._own_crm = crm is None
        self.crm: CrmClient = crm or build_crm_client(
            settings, DbTokenStore(self.db.sessionmaker, account_key(settings))
        )
        self.i18n = build_i18n(settings.locales_path, settings.default_locale)
        self.bot = build_bot(settings)
        self._polling = polling and not settings.telegram_webhook_url
        self._use_scheduler = scheduler
        self._inbox_event = asyncio.Event()
        self._tasks: list[asyncio.Task[Any]] = []
        self._runner: web.AppRunner | None = None
        self.services: Services
        self.dp: Dispatcher
        self.sender: TelegramSender
        self.relay: CrmWriteRelay

    async def __aenter__(self) -> Runtime:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @property
    def http_port(self) -> int:
        """The bound port (useful when HTTP_PORT=0 picks a free one)."""
        assert self._runner is not None
        for site in self._runner.sites:
            server = getattr(site, "_server", None)
            if server is not None and server.sockets:
                return int(server.sockets[0].getsockname()[1])
        return self.settings.http_port

    async def start(self) -> None:
        await upgrade(self.settings.database_url)
        playbook = await load_resolved_playbook(self.settings, self.crm)
        self.sender = TelegramSender(
            self.db, self.bot, settings=self.settings, i18n=self.i18n, clock=self.clock
        )
        self.relay = CrmWriteRelay(
            self.db,
            self.crm,
            i18n=self.i18n,
            on_notice=self.sender.wake,
            on_refused=self._on_refused,
            clock=self.clock,
        )
        self.services = Services(
            db=self.db,
            crm=self.crm,
            playbook=playbook,
            i18n=self.i18n,
            settings=self.settings,
            clock=self.clock,
            wake=self.wake,
        )
        self.dp = Dispatcher(storage=build_fsm_storage(self.settings), services=self.services)
        handlers.setup(self.dp, self.i18n)
        await self._start_http()
        await publish_menu(self.bot, self.i18n)
        self._spawn(self.sender.run())
        self._spawn(self.relay.run())
        self._spawn(self._inbox_worker())
        if self._polling:
            await self.bot.delete_webhook()
            self._spawn(self.dp.start_polling(self.bot, handle_signals=False, polling_timeout=10))
        elif self.settings.telegram_webhook_url:
            await self._set_telegram_webhook()
        if self._use_scheduler:
            self._scheduler = make_scheduler(self.services)
            self._scheduler.start()

    async def _on_refused(self, payload: dict[str, Any], why: str, detail: str) -> None:
        """The CRM turned a write down: the cards show where the deal really is and whose."""
        await show_refusal(self.services, payload, why, detail)

    def wake(self, kind: str) -> None:
        """Called after a commit that enqueued rows: send now rather than at the next poll."""
        if kind == "telegram":
            self.sender.wake()
        elif kind == "crm":
            self.relay.wake()

    async def stop(self) -> None:
        if self._use_scheduler and hasattr(self, "_scheduler"):
            self._scheduler.shutdown(wait=False)
        if self._polling and hasattr(self, "dp"):
            with contextlib.suppress(RuntimeError):
                await self.dp.stop_polling()
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._tasks.clear()
        if self._runner is not None:
            await self._runner.cleanup()
        await self.bot.session.close()
        if hasattr(self, "dp"):
            await self.dp.storage.close()
        if self._own_crm:
            await self.crm.aclose()
        await self.db.dispose()

    def _spawn(self, coro: Coroutine[Any, Any, Any]) -> None:
        self._tasks.append(asyncio.create_task(coro))

    async def _on_inbox(self, events: object) -> None:
        self._inbox_event.set()

    async def _inbox_worker(self) -> None:
        """Webhooks are answered at once; their events are processed here, off the request."""
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._inbox_event.wait(), INBOX_POLL_SECONDS)
            self._inbox_event.clear()
            try:
                while await process_inbox(self.services):
                    self.services.woke({"telegram", "crm"})
            except Exception:  # a bug in one event must not stop the worker
                log.exception("inbox processing failed; retrying")

    async def _start_http(self) -> None:
        telegram_handler = None
        if self.settings.telegram_webhook_url:
            telegram_handler = SimpleRequestHandler(self.dp, self.bot).handle
        app = create_web_app(
            self.db,
            self.settings,
            self._on_inbox,
            telegram_handler=telegram_handler,
            clock=self.clock,
        )
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.settings.http_host, self.settings.http_port)
        await site.start()

    async def _set_telegram_webhook(self) -> None:
        secret = self.settings.telegram_webhook_secret
        url = f"{str(self.settings.telegram_webhook_url).rstrip('/')}/webhooks/telegram"
        await self.bot.set_webhook(url, secret_token=secret.get_secret_value() if secret else None)
