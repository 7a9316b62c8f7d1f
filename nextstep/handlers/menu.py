"""The bot's command menu (the "/" button in Telegram), in Russian and English.

Without it people have to remember /today or /schedule; with it the commands are one tap away
and described in the reader's language. Published at every start, so a new command or a
reworded description reaches everyone without a manual @BotFather step. Heads' and admins'
commands are listed for all: the others get a plain "for heads" answer from the command itself.
"""

from __future__ import annotations

import logging

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError
from aiogram.types import BotCommand
from aiogram.utils.i18n import I18n

from nextstep.bot.i18n import N_

log = logging.getLogger(__name__)

# (command, description key), in the order the menu shows them.
COMMANDS = (
    ("today", N_("menu.today")),
    ("schedule", N_("menu.schedule")),
    ("team", N_("menu.team")),
    ("health", N_("menu.health")),
    ("invite", N_("menu.invite")),
    ("lang", N_("menu.lang")),
)


def menu(i18n: I18n, locale: str) -> list[BotCommand]:
    return [
        BotCommand(command=command, description=i18n.gettext(key, locale=locale))
        for command, key in COMMANDS
    ]


async def publish_menu(bot: Bot, i18n: I18n) -> bool:
    """The menu for each catalog language, and the default locale's for every other client.

    A failure is logged and left: the bot works without a menu, and the next start tries again.
    """
    try:
        for locale in i18n.available_locales:
            await bot.set_my_commands(menu(i18n, locale), language_code=locale)
        await bot.set_my_commands(menu(i18n, i18n.default_locale))
    except TelegramAPIError as exc:
        log.warning("could not publish the command menu: %s", exc)
        return False
    return True
