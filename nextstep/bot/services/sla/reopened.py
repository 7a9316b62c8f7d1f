"""A CRM webhook about a deal, seen for the closed-stage guard: a move out of won/lost is
remembered (who moved it, from where, when) for the next sweep (`storage.reopened`)."""

from __future__ import annotations

from nextstep.bot.services.deps import Services
from nextstep.bot.storage.reopened import observe_move
from nextstep.crm_client.models import CrmEvent, CrmEventType, Deal


async def note_status_change(
    services: Services, event: CrmEvent, old: Deal | None, deal: Deal
) -> None:
    """`leads[status]` names the old stage; any other deal event is compared with the mirror
    (a lost status webhook still shows as a changed stage); task events are not looked at
    (their author is not the deal's mover)."""
    if event.entity not in ("lead", "leads", "deal"):
        return
    if event.type is CrmEventType.DEAL_STATUS_CHANGED and event.old_status_id:
        old_status: int | None = event.old_status_id
    else:
        old_status = old.status_id if old is not None else None
    if old_status is None or old_status == deal.status_id:
        return
    now = services.now()
    async with services.db.transaction() as session:
        await observe_move(
            session,
            deal.id,
            old_status,
            deal.status_id,
            pipeline_id=deal.pipeline_id,
            by=event.created_by,
            at=event.occurred_at or now,
            now=now,
        )
