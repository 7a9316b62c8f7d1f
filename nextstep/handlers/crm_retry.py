"""The Retry button on a "CRM refused" notice (`retry_crm_write`): answer, then requeue.

The notice has no card, so the button belongs to whoever it was sent to (its id is random and
single-use); a second press gets "already done".
"""

from __future__ import annotations

from aiogram import Router
from aiogram.types import CallbackQuery
from aiogram.utils.i18n import gettext as _

from nextstep.bot.delivery import RETRY_ACTION
from nextstep.bot.services import crm_retry
from nextstep.bot.services.deps import Services
from nextstep.bot.services.presses import Press
from nextstep.bot.storage import Repositories
from nextstep.handlers.filters import Action


async def on_retry(query: CallbackQuery, services: Services, press: Press) -> None:
    async with services.db.transaction() as session:
        claimed = await Repositories(session).cards.claim_callback(
            press.callback_id, services.now()
        )
    if claimed is None:
        await query.answer(_("press.used"), show_alert=True)
        return
    await query.answer()
    await crm_retry.retry_refused_write(services, press)


def make_router() -> Router:
    router = Router(name=__name__)
    router.callback_query.register(on_retry, Action(RETRY_ACTION))
    return router
