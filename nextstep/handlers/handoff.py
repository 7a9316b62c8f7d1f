"""Hand-off cards (Accept / Need info / Ready), the manager's Reply, and NPS score buttons.

Thin: answer the press (database only), then hand it to `services.rules.presses`. Need info and
Reply wait for the typed text in an FSM state.
"""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Filter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from nextstep.bot.services.deps import Services
from nextstep.bot.services.messages import say
from nextstep.bot.services.presses import Press
from nextstep.bot.services.rules import presses, views
from nextstep.bot.services.staff import StaffInfo, may_act_for
from nextstep.handlers.answers import claim_and_answer
from nextstep.handlers.filters import Action

TYPED = F.text & ~F.text.startswith("/")


class Waiting(StatesGroup):
    question = State()
    answer = State()


class NpsAction(Filter):
    async def __call__(self, query: CallbackQuery, press: Press | None = None) -> bool:
        return press is not None and press.action.startswith(views.NPS_PREFIX)


async def _tell(services: Services, staff: StaffInfo, text: str) -> None:
    if staff.telegram_id is not None:
        await say(services, staff.telegram_id, text)


async def on_single_use(
    query: CallbackQuery, services: Services, staff: StaffInfo, press: Press
) -> None:
    """Accept, Ready, a score: once."""
    if not await claim_and_answer(query, services, staff, press):
        return
    if not await presses.on_press(services, staff, press):
        await _tell(services, staff, _("error.crm_read"))


async def _may(query: CallbackQuery, staff: StaffInfo, press: Press) -> bool:
    if not may_act_for(staff, press.owner) or press.deal_id is None:
        await query.answer(_("press.forbidden"), show_alert=True)
        return False
    await query.answer()
    return True


async def on_need_info(
    query: CallbackQuery, services: Services, staff: StaffInfo, press: Press, state: FSMContext
) -> None:
    if not await _may(query, staff, press):
        return
    await state.set_state(Waiting.question)
    await state.set_data({"deal_id": press.deal_id, "handoff": press.args.get("handoff")})
    await _tell(services, staff, _("rules.prompt.question"))


async def on_reply(
    query: CallbackQuery, services: Services, staff: StaffInfo, press: Press, state: FSMContext
) -> None:
    if not await _may(query, staff, press):
        return
    await state.set_state(Waiting.answer)
    data = {"deal_id": press.deal_id, "handoff": press.args.get("handoff")}
    await state.set_data({**data, "to": press.args.get("to")})
    await _tell(services, staff, _("rules.prompt.answer"))


async def on_question(
    message: Message, services: Services, staff: StaffInfo, state: FSMContext
) -> None:
    data = await state.get_data()
    await state.clear()
    ok = await presses.need_info(
        services, staff, int(data["deal_id"]), str(data["handoff"]), message.text or ""
    )
    await _tell(services, staff, _("rules.prompt.sent") if ok else _("error.crm_read"))


async def on_answer(
    message: Message, services: Services, staff: StaffInfo, state: FSMContext
) -> None:
    data = await state.get_data()
    await state.clear()
    ok = await presses.reply(
        services,
        staff,
        int(data["deal_id"]),
        str(data["handoff"]),
        int(data["to"]),
        message.text or "",
    )
    await _tell(services, staff, _("rules.prompt.sent") if ok else _("error.crm_read"))


def make_router() -> Router:
    router = Router(name=__name__)
    router.callback_query.register(on_single_use, Action(views.ACCEPT, views.READY))
    router.callback_query.register(on_single_use, NpsAction())
    router.callback_query.register(on_need_info, Action(views.INFO))
    router.callback_query.register(on_reply, Action(views.REPLY))
    router.message.register(on_question, Waiting.question, TYPED)
    router.message.register(on_answer, Waiting.answer, TYPED)
    return router
