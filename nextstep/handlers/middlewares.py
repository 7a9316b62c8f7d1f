"""Per-update context: who is writing (staff or nobody), which button, and in which language."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import CallbackQuery, TelegramObject, User
from aiogram.utils.i18n import I18nMiddleware

from nextstep.bot.services import presses
from nextstep.bot.services.deps import Services
from nextstep.bot.services.staff import StaffInfo, by_telegram_id

Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]


class StaffMiddleware(BaseMiddleware):
    """`staff`: the paired person writing, or None (unpaired users get one clear message)."""

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        services: Services = data["services"]
        user: User | None = data.get("event_from_user")
        data["staff"] = await by_telegram_id(services.db, user.id) if user else None
        return await handler(event, data)


class PressMiddleware(BaseMiddleware):
    """`press`: the callbacks row behind a "c:<id>" button, or None."""

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        data["press"] = None
        if isinstance(event, CallbackQuery) and (cb := presses.callback_id(event.data)):
            data["press"] = await presses.peek(data["services"].db, cb)
        return await handler(event, data)


class StaffI18nMiddleware(I18nMiddleware):
    """The language each person picked with /lang; the default (ru) for everyone else."""

    async def get_locale(self, event: TelegramObject, data: dict[str, Any]) -> str:
        staff: StaffInfo | None = data.get("staff")
        if staff is not None and staff.locale in self.i18n.available_locales:
            return staff.locale
        return self.i18n.default_locale
