"""Errors become plain, localized replies; nothing is swallowed silently."""

from __future__ import annotations

import logging

from aiogram import Router
from aiogram.filters import ExceptionTypeFilter
from aiogram.types import ErrorEvent

from nextstep.bot.services.deps import Services
from nextstep.bot.services.messages import say
from nextstep.bot.services.staff import by_telegram_id
from nextstep.crm_client.errors import CrmError

log = logging.getLogger(__name__)


def _chat_id(event: ErrorEvent) -> int | None:
    update = event.update
    if update.message is not None:
        return update.message.chat.id
    if update.callback_query is not None:
        return update.callback_query.from_user.id
    return None


async def on_crm_error(event: ErrorEvent, services: Services) -> None:
    log.warning("CRM error while handling update %s: %s", event.update.update_id, event.exception)
    await _tell(event, services, "error.crm_read")


async def on_error(event: ErrorEvent, services: Services) -> None:
    log.exception("update %s failed", event.update.update_id, exc_info=event.exception)
    await _tell(event, services, "error.unexpected")


async def _tell(event: ErrorEvent, services: Services, key: str) -> None:
    """Outside the i18n context (errors surface at the update level): look the person up."""
    if (chat_id := _chat_id(event)) is None:
        return
    staff = await by_telegram_id(services.db, chat_id)
    await say(services, chat_id, services.texts_for(staff)(key))


def make_router() -> Router:
    router = Router(name=__name__)
    router.errors.register(on_crm_error, ExceptionTypeFilter(CrmError))
    router.errors.register(on_error)
    return router
