"""The rules end to end: the sandbox CRM over HTTP, the Telegram emulator with the real
Dispatcher polling it, the real TelegramSender and CrmWriteRelay, a migrated SQLite file, and a
story playbook resolved against the sandbox account."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from aiogram import Dispatcher
from pydantic import SecretStr

from nextstep.bot.config import REPO_ROOT, Settings
from nextstep.bot.delivery.crm import CrmWriteRelay
from nextstep.bot.delivery.telegram import TelegramSender
from nextstep.bot.i18n import build_i18n
from nextstep.bot.playbook.loader import load_playbook
from nextstep.bot.playbook.resolve import resolve
from nextstep.bot.playbook.sections.roles import known_roles
from nextstep.bot.services.deps import Services
from nextstep.bot.services.inbox import process_crm_event
from nextstep.bot.services.rules.timers import finish_links, fire_rule_timers
from nextstep.bot.services.staff import StaffInfo, add_staff
from nextstep.bot.storage import Database
from nextstep.crm_client.amocrm import AmoCrmClient
from nextstep.crm_client.models import CrmEvent, CrmEventType
from nextstep.handlers import setup
from nextstep.sandbox.crm import Contact, CrmState, Lead, Note, SeedInfo, run_crm_sandbox
from nextstep.sandbox.telegram import ChatMessage, TelegramEmulator, run_telegram_emulator


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@dataclass(frozen=True)
class Person:
    key: str
    tg: int
    crm: int
    role: str
    name: str
    head: int | None = None


@dataclass
class RulesWorld:
    state: CrmState
    info: SeedInfo
    services: Services
    relay: CrmWriteRelay
    emu: TelegramEmulator
    clock: Clock
    people: dict[str, StaffInfo] = field(default_factory=dict)

    # --- the CRM side -------------------------------------------------------------------------

    def field_values(self, values: dict[str, Any]) -> dict[int, list[dict[str, Any]]]:
        out: dict[int, list[dict[str, Any]]] = {}
        for name, value in values.items():
            definition = self.state.custom_fields[self.info.fields[name]]
            enum = definition.enum_by_value(value) if isinstance(value, str) else None
            item = {"value": value, "enum_id": enum.id} if enum else {"value": value}
            out[definition.id] = [item]
        return out

    async def new_deal(
        self, name: str, pipeline: str, stage: str, manager: int, fields: dict[str, Any]
    ) -> int:
        """A deal already in work (created in the CRM, then seen by the bot)."""
        now = self.state.now()
        contact_id = self.state.next_id("contact", 501)
        self.state.contacts[contact_id] = Contact(
            contact_id, "Анна Смирнова", phones=["+79990001122"]
        )
        deal_id = self.state.next_id("lead", 30_001)
        self.state.leads[deal_id] = Lead(
            id=deal_id,
            name=name,
            price=450_000,
            status_id=self.info.stage(pipeline, stage),
            pipeline_id=self.info.pipelines[pipeline],
            responsible_user_id=manager,
            created_at=now,
            updated_at=now,
            custom_fields=self.field_values(fields),
            contact_ids=[contact_id],
        )
        await self.event(CrmEventType.DEAL_ADDED, deal_id)
        return deal_id

    async def event(self, kind: CrmEventType, entity_id: int, **more: Any) -> None:
        entity = "task" if kind.value.startswith("task") else "lead"
        await process_crm_event(
            self.services, CrmEvent(type=kind, entity=entity, entity_id=entity_id, **more)
        )
        await self.drain()

    async def move(self, deal_id: int, pipeline: str, stage: str) -> None:
        """The manager moves the deal in the CRM (stage requirements are the bot's to check)."""
        lead = self.state.leads[deal_id]
        old = (lead.pipeline_id, lead.status_id)
        lead.pipeline_id = self.info.pipelines[pipeline]
        lead.status_id = self.info.stage(pipeline, stage)
        lead.updated_at = self.state.now()
        await self.event(
            CrmEventType.DEAL_STATUS_CHANGED,
            deal_id,
            old_pipeline_id=old[0],
            old_status_id=old[1],
        )

    async def fill(self, deal_id: int, values: dict[str, Any]) -> None:
        lead = self.state.leads[deal_id]
        lead.custom_fields.update(self.field_values(values))
        lead.updated_at = self.state.now()
        await self.event(CrmEventType.DEAL_UPDATED, deal_id)

    async def drain(self) -> None:
        """Every pending CRM write performed, linked deals finished, then written too."""
        for _ in range(3):
            while await self.relay.drain_once():
                pass
            if not await finish_links(self.services):
                break

    async def tick(self, delta: timedelta) -> None:
        """Time passes on both clocks; the rules' job runs."""
        self.state.shift_clock(delta.total_seconds())
        self.clock.now += delta
        await fire_rule_timers(self.services)
        await self.drain()

    def stage_of(self, deal_id: int) -> str:
        lead = self.state.leads[deal_id]
        statuses = self.state.pipelines[lead.pipeline_id].statuses
        return next(s.name for s in statuses if s.id == lead.status_id)

    def notes_of(self, deal_id: int) -> list[Note]:
        return [n for n in self.state.notes.values() if n.entity_id == deal_id]

    def note_texts(self, deal_id: int) -> list[str]:
        return [str(n.params.get("text", "")) for n in self.notes_of(deal_id)]

    # --- the Telegram side --------------------------------------------------------------------

    async def message(self, who: str, contains: str, after: int = 0) -> ChatMessage:
        return await self.emu.wait_for_message(
            self.people[who].telegram_id or 0, contains, after=after
        )

    async def press(self, who: str, label: str, message: ChatMessage) -> None:
        await self.emu.user_presses_button(
            self.people[who].telegram_id or 0, label, message.message_id
        )

    async def say(self, who: str, text: str) -> None:
        await self.emu.user_sends(self.people[who].telegram_id or 0, text)

    async def until(self, check: Callable[[], object], what: str) -> None:
        async def done() -> bool:
            await self.drain()
            return bool(check())

        for _ in range(100):
            if await done():
                return
            await asyncio.sleep(0.05)
        raise AssertionError(f"never happened: {what}")


@contextlib.asynccontextmanager
async def rules_world(
    db_path: Path,
    seed: Callable[[CrmState], SeedInfo],
    playbook: str | Path,
    people: tuple[Person, ...],
) -> AsyncIterator[RulesWorld]:
    """`playbook`: a shipped playbook's name, or a file (a variant written by the test)."""
    db = Database(f"sqlite+aiosqlite:///{db_path}")
    path = playbook if isinstance(playbook, Path) else REPO_ROOT / "playbooks" / f"{playbook}.yaml"
    book = load_playbook(path)
    state = CrmState()
    info = seed(state)
    async with (
        run_crm_sandbox(state) as sb,
        run_telegram_emulator(token="42:TEST", rate_limits=False) as emu,
    ):
        client = AmoCrmClient(sb.base_url, token=SecretStr("sandbox-token"))
        clock = Clock(datetime.fromtimestamp(state.now(), UTC))
        services = Services(
            db=db,
            crm=client,
            playbook=resolve(
                book,
                await client.list_pipelines(),
                await client.list_loss_reasons(),
            ),
            i18n=build_i18n(REPO_ROOT / "locales"),
            settings=Settings(_env_file=None, telegram_bot_username="nextstep_sandbox_bot"),
            clock=clock,
        )
        relay = CrmWriteRelay(db, client, poll_interval=0.05, clock=clock)
        bot = emu.make_bot()
        sender = TelegramSender(
            db, bot, global_rate=1000, chat_interval=0.0, poll_interval=0.05, clock=clock
        )
        services.wake = lambda kind: sender.wake() if kind == "telegram" else None
        dp = Dispatcher(services=services)
        setup(dp, services.i18n)
        world = RulesWorld(state, info, services, relay, emu, clock)
        for p in people:
            emu.add_user(p.tg, p.name)
            world.people[p.key] = await add_staff(
                db,
                telegram_id=p.tg,
                crm_user_id=p.crm,
                role=p.role,
                now=clock(),
                name=p.name,
                head_crm_user_id=p.head,
                roles=known_roles(book),
            )
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
            yield world
        finally:
            sender.stop()
            with contextlib.suppress(RuntimeError):
                await dp.stop_polling()
            for task in tasks:
                with contextlib.suppress(asyncio.CancelledError):
                    await asyncio.wait_for(task, 5)
            await bot.session.close()
            await client.aclose()
            await db.dispose()
