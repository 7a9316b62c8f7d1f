"""Filters: paired or not, admin, and which action a pressed button carries."""

from __future__ import annotations

from aiogram.filters import Filter
from aiogram.types import CallbackQuery, TelegramObject

from nextstep.bot.services.presses import Press
from nextstep.bot.services.staff import ADMIN, StaffInfo


class Paired(Filter):
    async def __call__(self, event: TelegramObject, staff: StaffInfo | None = None) -> bool:
        return staff is not None


class IsAdmin(Filter):
    async def __call__(self, event: TelegramObject, staff: StaffInfo | None = None) -> bool:
        return staff is not None and staff.role == ADMIN


class Action(Filter):
    """A "c:<id>" button whose callbacks row has one of these actions."""

    def __init__(self, *actions: str) -> None:
        self.actions = frozenset(actions)

    async def __call__(self, query: CallbackQuery, press: Press | None = None) -> bool:
        return press is not None and press.action in self.actions
