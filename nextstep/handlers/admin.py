"""/invite (admins): pick a CRM user, then a role (a manager: then their head, or none), and get
the one-time deep link."""

from __future__ import annotations

from aiogram import Bot, Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from nextstep.bot.i18n import role_label
from nextstep.bot.services import invites
from nextstep.bot.services.cards import CardView
from nextstep.bot.services.deps import Services
from nextstep.bot.services.messages import redraw, say, send_menu
from nextstep.bot.services.pairing import team_roles
from nextstep.bot.services.presses import Press
from nextstep.bot.services.staff import StaffInfo
from nextstep.handlers.answers import claim_and_answer
from nextstep.handlers.filters import Action, IsAdmin


async def cmd_invite(message: Message, services: Services, staff: StaffInfo) -> None:
    users = await invites.crm_users(services)
    await send_menu(services, staff, "invite", invites.users_view(_("invite.pick_user"), users))


async def on_pick_user(
    query: CallbackQuery, services: Services, staff: StaffInfo, press: Press
) -> None:
    if not await claim_and_answer(query, services, staff, press) or press.card_id is None:
        return
    uid, name = int(press.args["crm_user_id"]), str(press.args.get("name", ""))
    labels = {role: role_label(_, role) for role in team_roles(services)}
    view = invites.roles_view(_("invite.pick_role").format(name=name), uid, name, labels)
    await redraw(services, press.card_id, view)


async def on_pick_role(
    query: CallbackQuery, services: Services, staff: StaffInfo, press: Press, bot: Bot
) -> None:
    if not await claim_and_answer(query, services, staff, press) or press.card_id is None:
        return
    role, name = str(press.args["role"]), str(press.args.get("name", ""))
    found = await invites.heads(services) if role == invites.MANAGER else []
    if found:
        uid = int(press.args["crm_user_id"])
        title = _("invite.pick_head").format(name=name)
        view = invites.heads_view(title, _("invite.no_head"), uid, name, found)
        await redraw(services, press.card_id, view)
        return
    await _send_link(services, press.card_id, press, bot, None)


async def on_pick_head(
    query: CallbackQuery, services: Services, staff: StaffInfo, press: Press, bot: Bot
) -> None:
    if not await claim_and_answer(query, services, staff, press) or press.card_id is None:
        return
    head = press.args.get("head")
    await _send_link(services, press.card_id, press, bot, int(head) if head else None)


async def _send_link(
    services: Services, card_id: int, press: Press, bot: Bot, head: int | None
) -> None:
    username = services.settings.telegram_bot_username or (await bot.me()).username or ""
    role = str(press.args["role"])
    uid = int(press.args["crm_user_id"])
    link = await invites.make_link(services, uid, role, username, head)
    text = _("invite.link").format(
        name=press.args.get("name", ""), role=role_label(_, role), link=link
    )
    if head is not None:
        text += "\n" + _("invite.head").format(head=press.args.get("head_name") or f"#{head}")
    await redraw(services, card_id, CardView(text))


async def cmd_invite_not_admin(message: Message, services: Services) -> None:
    await say(services, message.chat.id, _("invite.admins_only"))


def make_router() -> Router:
    router = Router(name=__name__)
    router.message.register(cmd_invite, Command("invite"), IsAdmin())
    router.message.register(cmd_invite_not_admin, Command("invite"))
    router.callback_query.register(on_pick_user, Action(invites.PICK_USER))
    router.callback_query.register(on_pick_role, Action(invites.PICK_ROLE))
    router.callback_query.register(on_pick_head, Action(invites.PICK_HEAD))
    return router
