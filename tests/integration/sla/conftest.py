"""The SLA runtime against the real pieces: the sandbox CRM over HTTP (its clock fixed to a
Monday morning in Moscow and moved by the tests), the Telegram emulator with the real
Dispatcher polling it, the real TelegramSender and CrmWriteRelay, on a migrated SQLite file."""

from __future__ import annotations

import asyncio
import contextlib
import shutil
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from aiogram import Dispatcher
from pydantic import SecretStr

from nextstep.bot.delivery.crm import CrmWriteRelay
from nextstep.bot.delivery.telegram import TelegramSender
from nextstep.bot.playbook.loader import load_playbook
from nextstep.bot.playbook.resolve import resolve
from nextstep.bot.services.deps import Services
from nextstep.bot.services.inbox import process_crm_event
from nextstep.bot.services.staff import StaffInfo, add_staff
from nextstep.bot.storage import Database, upgrade
from nextstep.bot.sync import sync_crm
from nextstep.crm_client.amocrm import AmoCrmClient
from nextstep.crm_client.models import CrmEvent, CrmEventType, NewDeal, NewTask
from nextstep.handlers import setup
from nextstep.sandbox.crm import CrmSandbox, CrmState, run_crm_sandbox, seed_empty_stock
from nextstep.sandbox.crm.state import User
from nextstep.sandbox.telegram import TelegramEmulator, run_telegram_emulator
from tests.unit.handlers.world import PLAYBOOK, Clock, make_services

# Monday 2 March 2026, 10:00 in Moscow: the default schedule (Mon-Fri 09-18) has everyone on.
T0 = datetime(2026, 3, 2, 7, 0, tzinfo=UTC)
MASHA, BORIS, HEAD, DINA = 1002, 1003, 1004, 1005  # CRM user ids (Dina is never paired)
MASHA_TG, BORIS_TG, HEAD_TG, ADMIN_TG = 2002, 2003, 2004, 2001
PIPELINE = 7101


@dataclass
class World:
    sb: CrmSandbox
    emu: TelegramEmulator
    services: Services
    relay: CrmWriteRelay
    clock: Clock
    stages: dict[str, int]
    team: dict[str, StaffInfo]
    db_url: str

    @property
    def state(self) -> CrmState:
        return self.sb.state

    def advance(self, delta: timedelta) -> None:
        """Move both clocks: the bot's and the CRM's (due times compare across them)."""
        self.clock.advance(delta)
        self.sb.state.shift_clock(delta.total_seconds())

    async def drain(self) -> None:
        while await self.relay.drain_once():
            pass

    async def sync(self) -> None:
        await sync_crm(self.services.crm, self.services.db, full=True, now=self.services.now())

    async def new_lead(
        self, name: str = "Квартира на Пресне", owner: int = MASHA, *, sync: bool = True
    ) -> int:
        """A lead lands in the CRM; the bot hears of it (take task, card) and mirrors it (a
        caller adding many leads passes `sync=False` and syncs once after the last)."""
        deal_id = await self.services.crm.create_deal(
            NewDeal(
                name=name,
                pipeline_id=PIPELINE,
                status_id=self.stages["Первичный контакт"],
                responsible_user_id=owner,
                price=120000,
            )
        )
        added = CrmEvent(type=CrmEventType.DEAL_ADDED, entity="lead", entity_id=deal_id)
        await process_crm_event(self.services, added)
        await self.drain()
        if sync:
            await self.sync()
        return deal_id

    async def taken_deal_with_task(self, name: str, due: datetime, owner: int = MASHA) -> int:
        crm = self.services.crm
        deal_id = await crm.create_deal(
            NewDeal(
                name=name,
                pipeline_id=PIPELINE,
                status_id=self.stages["Переговоры"],
                responsible_user_id=owner,
                price=50000,
            )
        )
        await crm.create_task(
            NewTask(
                text="Позвонить клиенту",
                complete_till=due,
                entity_id=deal_id,
                responsible_user_id=owner,
            )
        )
        return deal_id


@pytest.fixture(scope="session")
def sla_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("sla-int") / "template.db"
    asyncio.run(upgrade(f"sqlite+aiosqlite:///{path}"))
    return path


async def add_team(services: Services) -> dict[str, StaffInfo]:
    people = {
        "masha": (MASHA_TG, MASHA, "manager", HEAD, "Маша"),
        "boris": (BORIS_TG, BORIS, "manager", HEAD, "Борис"),
        "head": (HEAD_TG, HEAD, "head", None, "Гера"),
        "admin": (ADMIN_TG, 1001, "admin", None, "Алла"),
    }
    out = {}
    for key, (tg, crm_id, role, head, name) in people.items():
        out[key] = await add_staff(
            services.db,
            telegram_id=tg,
            crm_user_id=crm_id,
            role=role,
            now=services.now(),
            name=name,
            head_crm_user_id=head,
        )
    return out


def build_services(
    db_url: str, client: AmoCrmClient, clock: Clock, world_services: Services | None = None
) -> Services:
    services = make_services(Database(db_url), client)  # type: ignore[arg-type]
    services.clock = clock
    if world_services is not None:
        services.playbook = world_services.playbook
    return services


@pytest.fixture
async def world(sla_template: Path, tmp_path: Path) -> AsyncIterator[World]:
    path = tmp_path / "bot.db"
    shutil.copyfile(sla_template, path)
    url = f"sqlite+aiosqlite:///{path}"
    state = CrmState(clock=lambda: T0.timestamp())
    info = seed_empty_stock(state)
    state.users[MASHA].name = "Маша"
    state.users[BORIS] = User(BORIS, "Борис", "boris@stock.example")
    state.users[HEAD] = User(HEAD, "Гера", "head@stock.example")
    state.users[DINA] = User(DINA, "Дина", "dina@stock.example")
    clock = Clock(T0)
    async with (
        run_crm_sandbox(state) as sb,
        run_telegram_emulator(token="42:TEST", rate_limits=False) as emu,
    ):
        for uid, name in (
            (MASHA_TG, "Маша"),
            (BORIS_TG, "Борис"),
            (HEAD_TG, "Гера"),
            (ADMIN_TG, "Алла"),
        ):
            emu.add_user(uid, name)
        client = AmoCrmClient(sb.base_url, token=SecretStr("sandbox-token"))
        services = build_services(url, client, clock)
        services.playbook = resolve(
            load_playbook(PLAYBOOK),
            await client.list_pipelines(),
            await client.list_loss_reasons(),
        )
        team = await add_team(services)
        bot = emu.make_bot()
        sender = TelegramSender(
            services.db, bot, global_rate=1000, chat_interval=0.0, poll_interval=0.05
        )
        relay = CrmWriteRelay(services.db, client, poll_interval=0.05)
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
        stages = {name: sid for (_, name), sid in info.stages.items()}
        try:
            yield World(sb, emu, services, relay, clock, stages, team, url)
        finally:
            sender.stop()
            with contextlib.suppress(RuntimeError):
                await dp.stop_polling()
            for task in tasks:
                with contextlib.suppress(asyncio.CancelledError):
                    await asyncio.wait_for(task, 5)
            await bot.session.close()
            await client.aclose()
            await services.db.dispose()
