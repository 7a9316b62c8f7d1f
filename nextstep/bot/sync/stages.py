"""When did a deal enter its stage? The mirror keeps it, for "stuck on a stage" sweeps.

The truth is the CRM's `lead_status_changed` event; lacking one, the best guess depends on what
the sync knows (pure logic, tested on its own).
"""

from __future__ import annotations

from datetime import datetime

from nextstep.bot.audit.compute import latest_status_change
from nextstep.crm_client.models import CrmEvent, Deal

__all__ = ["latest_status_change", "stage_entered_at"]


def stage_entered_at(
    deal: Deal,
    event: CrmEvent | None,
    *,
    stored_status: tuple[int, int] | None,
    stored_entered_at: datetime | None,
    history_complete: bool,
) -> datetime:
    """The stage-entered time to mirror for `deal`.

    - the latest status change seen, if it led to the deal's current stage;
    - else, when the whole event history was read (full sync) or the deal is new: its creation;
    - else, if the mirror has it on the same stage: what the mirror says (unchanged);
    - else (it moved, the event not seen yet): its `updated_at`, the closest known time.

    `stored_status` is the mirror's (pipeline_id, status_id) for the deal, None if not mirrored.
    """
    if (
        event is not None
        and event.occurred_at is not None
        and event.status_id in (None, deal.status_id)
    ):
        return event.occurred_at
    same_stage = stored_status == (deal.pipeline_id, deal.status_id)
    if event is None and (history_complete or stored_status is None):
        return deal.created_at
    if same_stage and stored_entered_at is not None:
        return stored_entered_at
    return deal.updated_at
