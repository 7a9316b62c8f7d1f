"""Fixtures: the emulator on a free port, a real aiogram Bot over HTTP, and a polling Dispatcher
running the small demo router from ``tg_emulator_bot.py``."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import pytest
from aiogram import Bot, Dispatcher

from nextstep.sandbox.telegram import TelegramEmulator, run_telegram_emulator
from tests.integration.sandbox_telegram.tg_emulator_bot import IVAN, OLGA, make_router


@pytest.fixture
async def emu() -> AsyncIterator[TelegramEmulator]:
    async with run_telegram_emulator(token="42:TEST", webhook_retry_delay=0.05) as emulator:
        emulator.add_user(IVAN, "Иван", username="ivan")
        emulator.add_user(OLGA, "Olga", language_code="en")
        yield emulator


@pytest.fixture
async def bot(emu: TelegramEmulator) -> AsyncIterator[Bot]:
    bot = emu.make_bot()
    try:
        yield bot
    finally:
        await bot.session.close()


@pytest.fixture
async def polling(emu: TelegramEmulator, bot: Bot) -> AsyncIterator[Dispatcher]:
    """A Dispatcher long-polling the emulator; stopped and awaited on teardown."""
    dp = Dispatcher()
    dp.include_router(make_router())
    task = asyncio.create_task(
        dp.start_polling(bot, handle_signals=False, polling_timeout=5, close_bot_session=False)
    )
    await emu.wait_for(lambda: emu.polling, description="the bot polling")
    try:
        yield dp
    finally:
        with contextlib.suppress(RuntimeError):  # already stopped
            await dp.stop_polling()
        await task
