"""/start <token>: pair a Telegram account with its CRM user; unpaired people learn how."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import CommandObject, CommandStart
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from nextstep.bot.i18n import role_label
from nextstep.bot.services.deps import Services
from nextstep.bot.services.messages import say
from nextstep.bot.services.pairing import PairStatus, redeem_invite
from nextstep.bot.services.staff import StaffInfo

REPLIES = {
    PairStatus.USED: "pairing.used",
    PairStatus.EXPIRED: "pairing.expired",
    PairStatus.UNKNOWN: "pairing.unknown",
}


async def cmd_start_token(message: Message, command: CommandObject, services: Services) -> None:
    user = message.from_user
    if user is None:
        return
    result = await redeem_invite(services, command.args or "", user.id, user.full_name)
    if result.staff is not None:
        key = "pairing.welcome" if result.status is PairStatus.PAIRED else "pairing.already"
        t = services.texts_for(result.staff)
        text = t(
            key, name=result.staff.name or user.full_name, role=role_label(t, result.staff.role)
        )
    else:
        text = _(REPLIES[result.status])
    await say(services, message.chat.id, text)


async def cmd_start(message: Message, services: Services, staff: StaffInfo | None) -> None:
    if staff is None:
        await say(services, message.chat.id, _("pairing.not_paired"))
        return
    await say(services, message.chat.id, _("pairing.hello").format(name=staff.name))


async def on_unpaired_message(message: Message, services: Services) -> None:
    await say(services, message.chat.id, _("pairing.not_paired"))


async def on_unpaired_press(query: CallbackQuery) -> None:
    await query.answer(_("pairing.not_paired"), show_alert=True)


def make_router() -> Router:
    router = Router(name=__name__)
    router.message.register(cmd_start_token, CommandStart(deep_link=True))
    router.message.register(cmd_start, CommandStart())
    return router


def make_unpaired_router() -> Router:
    """Last: anyone not paired gets one clear message, whatever they send or press."""
    router = Router(name=f"{__name__}.unpaired")
    router.message.register(on_unpaired_message)
    router.callback_query.register(on_unpaired_press)
    return router
