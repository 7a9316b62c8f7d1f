"""Answering a press first (fast, database only), before any CRM work."""

from __future__ import annotations

from aiogram.types import CallbackQuery
from aiogram.utils.i18n import gettext as _

from nextstep.bot.services import presses
from nextstep.bot.services.deps import Services
from nextstep.bot.services.presses import Press, Verdict
from nextstep.bot.services.staff import StaffInfo


async def claim_and_answer(
    query: CallbackQuery, services: Services, staff: StaffInfo, press: Press
) -> bool:
    """True when the press is this person's to act on and was not used before."""
    verdict = await presses.claim(services, staff, press)
    if verdict is Verdict.FORBIDDEN:
        await query.answer(_("press.forbidden"), show_alert=True)
    elif verdict is Verdict.USED:
        await query.answer(_("press.used"), show_alert=True)
    else:
        await query.answer()
    return verdict is Verdict.OK
