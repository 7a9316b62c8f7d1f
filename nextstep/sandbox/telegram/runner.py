"""Start the emulator on 127.0.0.1 (a free port by default) for the length of a ``with`` block."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import aiohttp
from aiohttp import web

from .app import build_app
from .emulator import TelegramEmulator
from .ratelimit import RateLimits
from .state import EmulatorState
from .webhook import WebhookDeliverer


@asynccontextmanager
async def run_telegram_emulator(
    token: str = "42:TEST",
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    per_chat_rate: float = 1.0,
    per_chat_burst: float = 3.0,
    global_rate: float = 30.0,
    global_burst: float = 30.0,
    rate_limits: bool = True,
    bot_name: str = "Nextstep Sandbox",
    bot_username: str = "nextstep_sandbox_bot",
    callback_timeout: float | None = None,
    webhook_retry_delay: float = 0.5,
) -> AsyncIterator[TelegramEmulator]:
    """Run a Telegram Bot API emulator; yields the emulator with ``base_url`` set.

    ``callback_timeout`` (seconds, None = never) makes late ``answerCallbackQuery`` calls fail
    with "query is too old", as real clients give up after some seconds.
    """
    limits = RateLimits(
        per_chat_rate=per_chat_rate,
        per_chat_burst=per_chat_burst,
        global_rate=global_rate,
        global_burst=global_burst,
        enabled=rate_limits,
    )
    state = EmulatorState(
        token,
        limits=limits,
        bot_name=bot_name,
        bot_username=bot_username,
        callback_timeout=callback_timeout,
    )
    emulator = TelegramEmulator(state)
    runner = web.AppRunner(build_app(emulator), shutdown_timeout=1.0, access_log=None)
    await runner.setup()
    session: aiohttp.ClientSession | None = None
    delivery: asyncio.Task[None] | None = None
    try:
        await web.TCPSite(runner, host, port).start()
        bound_host, bound_port = runner.addresses[0][:2]
        emulator.base_url = f"http://{bound_host}:{bound_port}"
        session = aiohttp.ClientSession()
        deliverer = WebhookDeliverer(state, session, retry_delay=webhook_retry_delay)
        delivery = asyncio.create_task(deliverer.run(), name="telegram-emulator-webhook")
        yield emulator
    finally:
        state.closing = True
        state.changes.bump()  # long polls answer at once
        if delivery is not None:
            delivery.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await delivery
        if session is not None:
            await session.close()
        await runner.cleanup()
