"""Periodic jobs: each opens its own transactions through one service and logs what it did."""

from __future__ import annotations

import logging

from nextstep.bot.services.deps import Services
from nextstep.bot.services.due import fire_due_tasks
from nextstep.bot.sync import sync_crm
from nextstep.crm_client.errors import CrmError

log = logging.getLogger(__name__)


async def run_sync(services: Services) -> None:
    """The safety net for lost webhooks: an incremental sync of the mirror."""
    try:
        report = await sync_crm(services.crm, services.db, full=False, now=services.now())
    except CrmError as exc:
        log.warning("sync skipped, CRM error: %s", exc)
        return
    log.info("sync: %s", report)


async def run_due_tasks(services: Services) -> None:
    fired = await fire_due_tasks(services)
    if fired:
        services.woke({"telegram", "crm"})
        log.info("due tasks: %d cards", fired)
