"""/lang: each person picks Русский or English; the bot speaks it from the next message on."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from nextstep.bot.services.cards import ButtonSpec, CardView
from nextstep.bot.services.deps import Services
from nextstep.bot.services.messages import redraw, send_menu
from nextstep.bot.services.presses import Press
from nextstep.bot.services.staff import StaffInfo, set_locale
from nextstep.handlers.answers import claim_and_answer
from nextstep.handlers.filters import Action

LANG = "lang"
CHOICES = (("ru", "Русский"), ("en", "English"))


async def cmd_lang(message: Message, services: Services, staff: StaffInfo) -> None:
    buttons = tuple(ButtonSpec(label, LANG, {"locale": code}) for code, label in CHOICES)
    await send_menu(services, staff, LANG, CardView(_("lang.choose"), (buttons,)))


async def on_lang(
    query: CallbackQuery, services: Services, staff: StaffInfo, press: Press
) -> None:
    if not await claim_and_answer(query, services, staff, press):
        return
    updated = await set_locale(services.db, staff.id, str(press.args["locale"]))
    if press.card_id is not None:
        await redraw(services, press.card_id, CardView(services.texts_for(updated)("lang.set")))


def make_router() -> Router:
    router = Router(name=__name__)
    router.message.register(cmd_lang, Command("lang"))
    router.callback_query.register(on_lang, Action(LANG))
    return router
