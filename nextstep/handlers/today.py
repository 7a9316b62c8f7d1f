"""/today: my open tasks, overdue first, each with its buttons."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command
from aiogram.types import Message

from nextstep.bot.services.deps import Services
from nextstep.bot.services.staff import StaffInfo
from nextstep.bot.services.today import send_today


async def cmd_today(message: Message, services: Services, staff: StaffInfo) -> None:
    await send_today(services, staff)  # a CRM error is answered by the errors router


def make_router() -> Router:
    router = Router(name=__name__)
    router.message.register(cmd_today, Command("today"))
    return router
