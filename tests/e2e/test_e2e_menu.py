"""The "/" menu: a started bot lists its commands, described in Russian and in English."""

from __future__ import annotations

from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer

from nextstep.bot.config import REPO_ROOT
from nextstep.bot.i18n import build_i18n
from nextstep.handlers.menu import publish_menu
from nextstep.sandbox.telegram import run_telegram_emulator
from tests.e2e.e2e_world import world_for


def described(commands: list[dict[str, str]]) -> dict[str, str]:
    return {c["command"]: c["description"] for c in commands}


async def test_the_started_bot_publishes_its_commands_in_both_languages() -> None:
    async with world_for("default") as world:
        ru = described(world.emu.commands(language_code="ru"))
        en = described(world.emu.commands(language_code="en"))
        fallback = described(world.emu.commands())

    assert list(ru) == ["today", "schedule", "team", "health", "invite", "lang"]
    assert ru["today"] == "Мои задачи на сегодня, просроченные первыми"
    assert en["today"] == "My tasks for today, overdue first"
    assert en["invite"] == "Invite a colleague (admins)"
    assert fallback == ru  # a client in any other language gets the team's default, Russian


async def test_a_refused_menu_is_logged_and_the_bot_goes_on() -> None:
    """Telegram refusing setMyCommands (here: a revoked token) must not stop the bot starting."""
    async with run_telegram_emulator(token="42:GOOD") as emu:
        session = AiohttpSession(api=TelegramAPIServer.from_base(emu.base_url))
        bot = Bot("42:REVOKED", session=session)
        try:
            assert await publish_menu(bot, build_i18n(REPO_ROOT / "locales")) is False
        finally:
            await bot.session.close()
        assert emu.commands() == []
