"""`/schedule`: see the schedules, and take days off from the chat — a person for themselves, a
head for their team (pick the person, then "day off tomorrow", "pick a date" with the date or
range typed, or remove a coming day off). Thin: the views and the storage are services'."""

from __future__ import annotations

from datetime import date

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message

from nextstep.bot.services.deps import Services
from nextstep.bot.services.messages import redraw, say, send_menu
from nextstep.bot.services.presses import Press
from nextstep.bot.services.sla import schedule_menu as menu
from nextstep.bot.services.sla.days_off import (
    MAX_RANGE_DAYS,
    DaysOffError,
    change_days_off,
    parse_days,
)
from nextstep.bot.services.staff import StaffInfo, may_act_for
from nextstep.handlers.answers import claim_and_answer
from nextstep.handlers.filters import Action

TYPED = F.text & ~F.text.startswith("/")


class Waiting(StatesGroup):
    days_off = State()


async def cmd_schedule(message: Message, services: Services, staff: StaffInfo) -> None:
    await send_menu(services, staff, menu.MENU_KIND, await menu.menu_view(services, staff))


async def _target(services: Services, staff: StaffInfo, press: Press) -> StaffInfo | None:
    """The person whose days the press changes, if `staff` may change them."""
    staff_id = press.args.get("staff")
    person = await menu.staff_by_id(services, staff_id) if isinstance(staff_id, int) else None
    if person is None or not may_act_for(staff, person):
        if staff.telegram_id is not None:
            await say(
                services, staff.telegram_id, services.texts_for(staff)("sla.schedule.not_allowed")
            )
        return None
    return person


async def on_press(
    query: CallbackQuery, services: Services, staff: StaffInfo, press: Press, state: FSMContext
) -> None:
    if not await claim_and_answer(query, services, staff, press) or press.card_id is None:
        return
    if press.action == menu.TEAM:
        await redraw(services, press.card_id, await menu.menu_view(services, staff))
        return
    person = await _target(services, staff, press)
    if person is None:
        return
    t = services.texts_for(staff)
    notice = ""
    if press.action == menu.PICK:
        await state.set_state(Waiting.days_off)
        await state.set_data({"staff": person.id})
        notice = t("sla.days_off.prompt")
    elif press.action in (menu.TOMORROW, menu.REMOVE):
        day = date.fromisoformat(str(press.args["day"]))
        if press.action == menu.TOMORROW:
            await change_days_off(services.db, person.id, services.now(), add=[day])
            notice = menu.added_notice(t, person, [day], await menu.today_of(services, person))
        else:
            await change_days_off(services.db, person.id, services.now(), remove=[day])
            notice = t("sla.days_off.removed", day=menu.day_label(day))
    view = await menu.person_view(services, staff, person, notice)
    await redraw(services, press.card_id, view)


async def on_typed_days(
    message: Message, services: Services, staff: StaffInfo, state: FSMContext
) -> None:
    """The date or range after "pick a date": stored, and a fresh menu shows the result; a
    text that is not one asks again (the state stays)."""
    t = services.texts_for(staff)
    staff_id = (await state.get_data()).get("staff")
    person = await menu.staff_by_id(services, staff_id) if isinstance(staff_id, int) else None
    if person is None or not may_act_for(staff, person):
        await state.clear()
        await say(services, message.chat.id, t("sla.schedule.not_allowed"))
        return
    zone = await menu.zone_of(services, person)
    try:
        days = parse_days(message.text or "", now=services.now(), tz=zone)
    except DaysOffError as exc:
        await say(services, message.chat.id, t(exc.key, days=MAX_RANGE_DAYS))
        return
    await state.clear()
    await change_days_off(services.db, person.id, services.now(), add=days)
    notice = menu.added_notice(t, person, days, await menu.today_of(services, person))
    await send_menu(
        services, staff, menu.MENU_KIND, await menu.person_view(services, staff, person, notice)
    )


def make_router() -> Router:
    router = Router(name=__name__)
    router.message.register(cmd_schedule, Command("schedule"))
    router.callback_query.register(on_press, Action(*menu.ACTIONS))
    router.message.register(on_typed_days, Waiting.days_off, TYPED)
    return router
