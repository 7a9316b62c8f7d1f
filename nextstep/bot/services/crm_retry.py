"""The Retry button under "the CRM refused this change": put the refused write back in line.

The relay told the card's owner (or the admins) and left the row dead; pressing Retry, after
fixing what the CRM asked for, makes the row pending again so the relay sends it once more.
"""

from __future__ import annotations

from nextstep.bot.delivery.leases import requeue_dead
from nextstep.bot.services.deps import Services
from nextstep.bot.services.presses import Press

KIND = "crm"


async def retry_refused_write(services: Services, press: Press) -> bool:
    """True when the refused write is queued again (False: it was not dead any more)."""
    outbox_id = int(press.args.get("outbox_id") or 0)
    async with services.db.transaction() as session:
        done = await requeue_dead(session, outbox_id, services.now(), kind=KIND)
    if done:
        services.woke({KIND})
    return done
