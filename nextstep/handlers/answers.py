"""Answering a press: refusals at once (database only); a deal press once its outcome is known.

Telegram shows a spinner until the query is answered and turns a late answer away ("query is
too old", after seconds), so a deal press waits at most `ANSWER_WITHIN` for its work: a stale
press is then answered with an alert saying why; slower work gets a plain answer and goes on.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Protocol, TypeVar

from aiogram.types import CallbackQuery
from aiogram.utils.i18n import gettext as _

from nextstep.bot.services import presses
from nextstep.bot.services.deps import Services
from nextstep.bot.services.presses import Press, Verdict
from nextstep.bot.services.staff import StaffInfo

ANSWER_WITHIN = 3.0  # seconds; well inside the few seconds Telegram keeps a query answerable


class Alerting(Protocol):
    @property
    def alert(self) -> str | None: ...


A = TypeVar("A", bound=Alerting)


async def claim_and_answer(
    query: CallbackQuery,
    services: Services,
    staff: StaffInfo,
    press: Press,
    *,
    ok: bool = True,
    used_alert: Callable[[], Awaitable[str | None]] | None = None,
) -> bool:
    """True when the press is this person's to act on and was not used before. A refusal is
    answered here; an accepted press too unless `ok` is False (see `answer_when_done`).
    `used_alert` may say better than "already done" why a used button did nothing."""
    verdict = await presses.claim(services, staff, press)
    if verdict is Verdict.FORBIDDEN:
        await query.answer(_("press.forbidden"), show_alert=True)
    elif verdict is Verdict.USED:
        why = await used_alert() if used_alert is not None else None
        await query.answer(why or _("press.used"), show_alert=True)
    elif ok:
        await query.answer()
    return verdict is Verdict.OK


async def answer_when_done(query: CallbackQuery, work: Awaitable[A]) -> A:
    """Run the press's work; answer with its alert if it ends in time, else plainly."""
    task = asyncio.ensure_future(work)
    try:
        result = await asyncio.wait_for(asyncio.shield(task), ANSWER_WITHIN)
    except TimeoutError:
        await query.answer()
        return await task
    except BaseException:
        await query.answer()
        raise
    if result.alert:
        await query.answer(result.alert, show_alert=True)
    else:
        await query.answer()
    return result
