"""Webhook mode: the emulator POSTs updates to aiogram's webhook handler with the secret header."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest
from aiogram import Bot, Dispatcher
from aiogram.exceptions import TelegramConflictError
from aiogram.webhook.aiohttp_server import SimpleRequestHandler, setup_application
from aiohttp import web

from nextstep.sandbox.telegram import TelegramEmulator
from tests.integration.sandbox_telegram.tg_emulator_bot import IVAN, make_router

SECRET = "s3cret_token-1"


@asynccontextmanager
async def webhook_server(
    bot: Bot, *, secret: str, in_background: bool = True
) -> AsyncIterator[str]:
    """aiogram's own aiohttp webhook app on a free port; yields its URL."""
    dp = Dispatcher()
    dp.include_router(make_router())
    app = web.Application()
    SimpleRequestHandler(
        dispatcher=dp, bot=bot, secret_token=secret, handle_in_background=in_background
    ).register(app, path="/webhooks/telegram")
    setup_application(app, dp, bot=bot)
    runner = web.AppRunner(app, shutdown_timeout=1.0)
    await runner.setup()
    try:
        await web.TCPSite(runner, "127.0.0.1", 0).start()
        host, port = runner.addresses[0][:2]
        yield f"http://{host}:{port}/webhooks/telegram"
    finally:
        await runner.cleanup()


async def test_updates_are_posted_to_the_webhook_with_the_secret(
    emu: TelegramEmulator, bot: Bot
) -> None:
    async with webhook_server(bot, secret=SECRET) as url:
        await bot.set_webhook(url, secret_token=SECRET)

        await emu.user_sends(IVAN, "/start hook")
        card = await emu.wait_for_message(IVAN, "payload=hook")
        query_id = await emu.user_presses(IVAN, card.message_id, "take:7")
        answer = await emu.wait_for(lambda: emu.callback_answer(query_id))

        assert answer.show_alert
        info = await bot.get_webhook_info()
        assert (info.url, info.pending_update_count, info.last_error_message) == (url, 0, None)
        with pytest.raises(TelegramConflictError, match="webhook is active"):
            await bot.get_updates()
        await emu.wait_for(lambda: not emu.pending_updates)


async def test_a_method_returned_in_the_webhook_reply_is_executed(
    emu: TelegramEmulator, bot: Bot
) -> None:
    async with webhook_server(bot, secret=SECRET, in_background=False) as url:
        await bot.set_webhook(url, secret_token=SECRET)

        await emu.user_sends(IVAN, "echo-reply")

        reply = await emu.wait_for_message(IVAN, "echoed via webhook reply")
        assert reply.from_bot


async def test_a_wrong_secret_keeps_the_update_pending_with_the_error(
    emu: TelegramEmulator, bot: Bot
) -> None:
    async with webhook_server(bot, secret="expected") as url:
        await bot.set_webhook(url, secret_token="something_else")
        await emu.user_sends(IVAN, "/start")

        info = await emu.wait_for(
            lambda: hook.last_error_message if (hook := emu.state.webhook) else None,
            description="a recorded webhook error",
        )

        assert "401" in info
        assert len(emu.pending_updates) == 1
        assert emu.chat(IVAN)[-1].from_bot is False  # the bot never saw it

        await bot.delete_webhook(drop_pending_updates=True)
        assert emu.pending_updates == []
        assert await bot.get_updates(timeout=0) == []
