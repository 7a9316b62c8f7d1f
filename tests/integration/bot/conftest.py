"""The real aiogram Dispatcher polling the Telegram emulator over HTTP, with the real
TelegramSender draining the outbox, on a migrated SQLite file."""

from __future__ import annotations

import asyncio
import contextlib
import shutil
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from aiogram import Bot, Dispatcher

from nextstep.bot.delivery.telegram import TelegramSender
from nextstep.bot.services.deps import Services
from nextstep.bot.services.staff import StaffInfo
from nextstep.bot.storage import Database, upgrade
from nextstep.crm_client.models import User
from nextstep.handlers import setup
from nextstep.sandbox.telegram import TelegramEmulator, run_telegram_emulator
from tests.unit.engine.engine_world import MANAGER
from tests.unit.handlers.world import (
    ADMIN_TG,
    HEAD_TG,
    MANAGER_TG,
    OTHER_TG,
    Clock,
    FakeCrm,
    add_team,
    make_services,
)

STRANGER_TG = 1009


@dataclass
class World:
    emu: TelegramEmulator
    services: Services
    db: Database
    crm: FakeCrm
    bot: Bot
    team: dict[str, StaffInfo]


@pytest.fixture(scope="session")
def bot_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("bot-int") / "template.db"
    asyncio.run(upgrade(f"sqlite+aiosqlite:///{path}"))
    return path


@pytest.fixture
def crm() -> FakeCrm:
    return FakeCrm(users=[User(id=MANAGER, name="Мария Петрова")])


@pytest.fixture
async def world(bot_template: Path, tmp_path: Path, crm: FakeCrm) -> AsyncIterator[World]:
    path = tmp_path / "bot.db"
    shutil.copyfile(bot_template, path)
    db = Database(f"sqlite+aiosqlite:///{path}")
    async with run_telegram_emulator(token="42:TEST", rate_limits=False) as emu:
        for uid, name in (
            (MANAGER_TG, "Маша"),
            (OTHER_TG, "Олег"),
            (HEAD_TG, "Гера"),
            (ADMIN_TG, "Алла"),
            (STRANGER_TG, "Stranger"),
        ):
            emu.add_user(uid, name)
        bot = emu.make_bot()
        services = make_services(db, crm, Clock(datetime.now(UTC)))
        sender = TelegramSender(db, bot, global_rate=1000, chat_interval=0.0, poll_interval=0.05)
        services.wake = lambda kind: sender.wake() if kind == "telegram" else None
        dp = Dispatcher(services=services)
        setup(dp, services.i18n)
        tasks = [
            asyncio.create_task(sender.run()),
            asyncio.create_task(
                dp.start_polling(
                    bot, handle_signals=False, polling_timeout=1, close_bot_session=False
                )
            ),
        ]
        await emu.wait_for(lambda: emu.polling, description="the bot polling")
        try:
            yield World(emu, services, db, crm, bot, {})
        finally:
            sender.stop()
            with contextlib.suppress(RuntimeError):
                await dp.stop_polling()
            for task in tasks:
                with contextlib.suppress(asyncio.CancelledError):
                    await asyncio.wait_for(task, 5)
            await bot.session.close()
            await db.dispose()


@pytest.fixture
async def team_world(world: World) -> World:
    world.team = await add_team(world.db)
    return world
