"""Presses on deal cards and their questions; the typed result text and call-back time.

Thin: claim the press (database only), hand it to the deal services, and answer it with their
alert when the press was stale (see `answers.answer_when_done`).
"""

from __future__ import annotations

from collections.abc import Awaitable

from aiogram import F, Router
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from nextstep.bot.services import deal_press
from nextstep.bot.services.cards import (
    CALL_BACK_AT,
    CALL_BACK_CHANGE,
    LOSS,
    OUTCOME,
    STAGE,
    TAKE,
)
from nextstep.bot.services.deal_press import CALL_BACK_TIME, RESULT_TEXT, FollowUp
from nextstep.bot.services.deps import Services
from nextstep.bot.services.presses import Press
from nextstep.bot.services.staff import StaffInfo
from nextstep.handlers.answers import answer_when_done, claim_and_answer
from nextstep.handlers.filters import Action

TYPED = F.text & ~F.text.startswith("/")


class Waiting(StatesGroup):
    result_text = State()
    call_back_time = State()


STATES = {RESULT_TEXT: Waiting.result_text, CALL_BACK_TIME: Waiting.call_back_time}


async def follow(state: FSMContext, follow_up: FollowUp) -> None:
    """Wait for the typed answer the services asked for, or for nothing."""
    if follow_up.expect is None:
        await state.clear()
        return
    await state.set_state(STATES[follow_up.expect])
    await state.set_data(
        {"deal_id": follow_up.deal_id, "task_id": follow_up.task_id, "card_id": follow_up.card_id}
    )


async def on_deal_press(
    query: CallbackQuery, services: Services, staff: StaffInfo, press: Press, state: FSMContext
) -> None:
    def why_used() -> Awaitable[str | None]:
        return deal_press.used_alert(services, staff, press)

    if not await claim_and_answer(query, services, staff, press, ok=False, used_alert=why_used):
        return
    await follow(state, await answer_when_done(query, deal_press.on_press(services, staff, press)))


async def on_result_text(
    message: Message, services: Services, staff: StaffInfo, state: FSMContext
) -> None:
    data = await state.get_data()
    deal_id, task_id, card_id = data["deal_id"], data["task_id"], data.get("card_id")
    if await deal_press.handed_away(services, staff, deal_id, card_id):
        await state.clear()
        return
    text = message.text or ""
    await follow(
        state, await deal_press.submit_result(services, staff, deal_id, task_id, text, card_id)
    )


async def on_call_back_time(
    message: Message, services: Services, staff: StaffInfo, state: FSMContext
) -> None:
    data = await state.get_data()
    deal_id, task_id, card_id = data["deal_id"], data["task_id"], data.get("card_id")
    if await deal_press.handed_away(services, staff, deal_id, card_id):
        await state.clear()
        return
    text = message.text or ""
    await follow(
        state, await deal_press.typed_call_back(services, staff, deal_id, task_id, text, card_id)
    )


async def on_stale_press(query: CallbackQuery) -> None:
    """A button this bot no longer knows (an old message): say so rather than spin."""
    await query.answer(_("press.unknown"), show_alert=True)


def make_router() -> Router:
    router = Router(name=__name__)
    actions = Action(TAKE, OUTCOME, STAGE, LOSS, CALL_BACK_AT, CALL_BACK_CHANGE)
    router.callback_query.register(on_deal_press, actions)
    router.message.register(on_result_text, Waiting.result_text, TYPED)
    router.message.register(on_call_back_time, Waiting.call_back_time, TYPED)
    router.callback_query.register(on_stale_press)
    return router
