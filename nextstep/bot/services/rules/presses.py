"""Hand-off and NPS buttons, and the typed question / answer, as rule events.

Accept, Ready and the scores are single-use (claimed by the handler); Need info and Reply may be
pressed again (a second question is a normal thing), so they are only checked for who presses.
"""

from __future__ import annotations

from nextstep.bot.engine.rules.events import (
    HandoffAccept,
    HandoffNeedInfo,
    HandoffReady,
    HandoffReply,
    NpsScore,
    RuleEvent,
)
from nextstep.bot.services.deps import Services
from nextstep.bot.services.outbound import one_off_key
from nextstep.bot.services.presses import Press, release
from nextstep.bot.services.rules import views
from nextstep.bot.services.rules.runner import run_rules
from nextstep.bot.services.staff import StaffInfo
from nextstep.crm_client.errors import CrmError


async def _run(
    services: Services, presser: StaffInfo, deal_id: int, event: RuleEvent, key: str
) -> bool:
    try:
        await run_rules(services, deal_id, lambda facts: event, key, actor=presser)
    except CrmError:
        return False
    return True


async def on_press(services: Services, presser: StaffInfo, press: Press) -> bool:
    """Accept / Ready / an NPS score (already claimed); False: the CRM did not answer and the
    button was re-armed."""
    if press.deal_id is None:
        return True
    name = str(press.args.get("handoff", ""))
    event: RuleEvent
    if press.action == views.ACCEPT:
        event = HandoffAccept(name, presser.crm_user_id, presser.name)
    elif press.action == views.READY:
        event = HandoffReady(name, presser.crm_user_id, presser.name)
    elif press.action.startswith(views.NPS_PREFIX):
        score = int(press.action.removeprefix(views.NPS_PREFIX))
        event = NpsScore(int(press.args.get("task_id") or press.task_id or 0), score)
    else:
        return True
    ok = await _run(services, presser, press.deal_id, event, f"rules:press:{press.callback_id}")
    if not ok:
        await release(services, press)
    return ok


async def need_info(
    services: Services, presser: StaffInfo, deal_id: int, handoff: str, question: str
) -> bool:
    event = HandoffNeedInfo(handoff, presser.crm_user_id, question, presser.name)
    return await _run(services, presser, deal_id, event, one_off_key(f"rules:info:{deal_id}"))


async def reply(
    services: Services, presser: StaffInfo, deal_id: int, handoff: str, to: int, text: str
) -> bool:
    event = HandoffReply(handoff, to, text, presser.name)
    return await _run(services, presser, deal_id, event, one_off_key(f"rules:reply:{deal_id}"))
