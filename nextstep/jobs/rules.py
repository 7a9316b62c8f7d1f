"""The rules' tick: rule timers due (hand-off escalations, date reminders) and linked deals the
CRM has created (their task and the notes linking both deals)."""

from __future__ import annotations

import logging

from nextstep.bot.services.deps import Services
from nextstep.bot.services.rules.timers import finish_links, fire_rule_timers

log = logging.getLogger(__name__)


async def run_rule_timers(services: Services) -> None:
    fired = await fire_rule_timers(services)
    linked = await finish_links(services)
    if fired or linked:
        services.woke({"telegram", "crm"})
        log.info("rules: %d timers fired, %d linked deals finished", fired, linked)
