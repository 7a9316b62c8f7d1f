"""aiogram routers: parse → call a service → render. `setup(dp)` wires middlewares and routers.

The Dispatcher must carry `services` (a `nextstep.bot.services.deps.Services`) in its
workflow_data: `Dispatcher(services=services)`. Middlewares then add `staff` (StaffInfo or None)
and `press` (the callbacks row behind a "c:<id>" button, or None) to every handler's data.
"""

from __future__ import annotations

from aiogram import Dispatcher, Router
from aiogram.utils.i18n import I18n

from nextstep.handlers import (
    admin,
    crm_retry,
    deal_cards,
    errors,
    handoff,
    head,
    lang,
    pairing,
    schedule,
    today,
)
from nextstep.handlers.filters import Paired
from nextstep.handlers.middlewares import PressMiddleware, StaffI18nMiddleware, StaffMiddleware


def get_routers() -> list[Router]:
    """In order: errors, pairing (/start), the staff-only features, then the unpaired reply."""
    staff_only = Router(name="staff")
    staff_only.message.filter(Paired())
    staff_only.callback_query.filter(Paired())
    staff_only.include_routers(
        lang.make_router(),
        today.make_router(),
        admin.make_router(),
        crm_retry.make_router(),  # the Retry under a refused CRM write
        handoff.make_router(),  # before deal_cards: its last handler takes any press
        head.make_router(),  # SLA presses, /team /health: before deal_cards
        schedule.make_router(),  # /schedule, days off: before deal_cards (it takes any press)
        deal_cards.make_router(),
    )
    return [
        errors.make_router(),
        pairing.make_router(),
        staff_only,
        pairing.make_unpaired_router(),
    ]


def setup(dp: Dispatcher, i18n: I18n) -> None:
    """Middlewares (staff lookup before the locale that depends on it), then the routers."""
    staff, press = StaffMiddleware(), PressMiddleware()
    locale = StaffI18nMiddleware(i18n)
    for observer in (dp.message, dp.callback_query):
        observer.outer_middleware(staff)
        observer.outer_middleware(locale)
    dp.callback_query.outer_middleware(press)
    dp.include_routers(*get_routers())
