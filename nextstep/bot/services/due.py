"""Call tasks coming due → the owner's outcome card, once per task and due time.

The mirror says which open tasks of paired staff are due soon; a durable timer per
(task, due time) makes the card go out once even across restarts and several processes. A task
whose due time moves gets a new timer, and so a new card for the new time.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy import select

from nextstep.bot.services.deps import Services
from nextstep.bot.services.inbox import task_due
from nextstep.bot.storage import Repositories
from nextstep.bot.storage.models import CrmTask, Staff
from nextstep.crm_client.errors import CrmError

log = logging.getLogger(__name__)
DUE_HORIZON = timedelta(minutes=5)
STALE_AFTER = timedelta(days=1)


async def fire_due_tasks(services: Services, horizon: timedelta = DUE_HORIZON) -> int:
    """Send outcome cards for tasks due within `horizon` (overdue up to a day included)."""
    now = services.now()
    paired = select(Staff.crm_user_id).where(Staff.telegram_id.is_not(None))
    query = (
        select(CrmTask.id, CrmTask.complete_till)
        .where(
            CrmTask.is_completed.is_(False),
            CrmTask.entity_type == "leads",
            CrmTask.complete_till <= now + horizon,
            CrmTask.complete_till > now - STALE_AFTER,
            CrmTask.responsible_user_id.in_(paired),
        )
        .order_by(CrmTask.complete_till)
        .limit(200)
    )
    async with services.db.transaction() as session:
        rows = (await session.execute(query)).all()
        timers = Repositories(session).timers
        for task_id, due in rows:
            key = f"task_due:{task_id}:{int(due.timestamp())}"
            await timers.schedule("task_due", key, due - horizon, now, {"task_id": task_id})
    return await _fire(services)


async def _fire(services: Services) -> int:
    fired = 0
    async with services.db.transaction() as session:
        timers = Repositories(session).timers
        due = [t for t in await timers.due(services.now()) if t.kind == "task_due"]
    for timer in due:
        try:
            await task_due(services, int(timer.payload["task_id"]))
        except CrmError as exc:
            log.warning("task %s due: CRM error, retrying next tick: %s", timer.payload, exc)
            continue
        async with services.db.transaction() as session:
            if await Repositories(session).timers.fire(timer.id, services.now()):
                fired += 1
    return fired
