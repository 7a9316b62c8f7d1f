"""Heads' side of the bot: presses on escalation cards and digests (Reassign to…, Take myself,
Remind, Redistribute, Acknowledge, Snooze, next step, hand-over), `/team` and `/health`
(`/schedule` is handlers/schedule.py). Thin: answer the press first (database only), then hand
it to the SLA services."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, Message

from nextstep.bot.services.deps import Services
from nextstep.bot.services.messages import say
from nextstep.bot.services.presses import Press
from nextstep.bot.services.sla import presses, reports
from nextstep.bot.services.sla.render import PRESS_ACTIONS
from nextstep.bot.services.staff import HEAD, StaffInfo
from nextstep.handlers.answers import claim_and_answer
from nextstep.handlers.filters import Action


async def on_sla_press(
    query: CallbackQuery, services: Services, staff: StaffInfo, press: Press
) -> None:
    if not await claim_and_answer(query, services, staff, press):
        return
    await presses.on_press(services, staff, press)


async def cmd_team(message: Message, services: Services, staff: StaffInfo) -> None:
    if staff.role != HEAD:
        await say(services, message.chat.id, services.texts_for(staff)("sla.team.heads_only"))
        return
    await reports.send_team(services, staff, message.chat.id)


async def cmd_health(message: Message, services: Services, staff: StaffInfo) -> None:
    await say(services, message.chat.id, await reports.health_text(services, staff))


def make_router() -> Router:
    router = Router(name=__name__)
    router.callback_query.register(on_sla_press, Action(*PRESS_ACTIONS))
    router.message.register(cmd_team, Command("team"))
    router.message.register(cmd_health, Command("health"))
    return router
