"""The webhook round trip: a change made through the client makes the sandbox POST a
form-encoded body to a local receiver, and parse_webhook() reads it back as CrmEvents."""

from __future__ import annotations

from datetime import UTC, datetime

from nextstep.crm_client.amocrm import AmoCrmClient, parse_webhook
from nextstep.crm_client.models import CrmEventType, DealPatch
from nextstep.sandbox.crm import CrmSandbox, CrmState, SeedInfo
from nextstep.sandbox.crm.seed import DESIGN_PIPELINE_ID
from tests.integration.crm_client.world import (
    NOW,
    open_design_lead_without_link,
    open_task_id,
    run_receiver,
)


async def test_a_stage_move_arrives_as_a_status_change_event(
    sandbox: CrmSandbox, crm: AmoCrmClient, state: CrmState, seed: SeedInfo
) -> None:
    lead = open_design_lead_without_link(state)
    old_status = lead.status_id
    new_status = seed.stage("Дизайн", "Смета")  # past "ready": no required field on the way
    assert old_status != new_status
    async with run_receiver() as receiver:
        sandbox.set_webhook_url(receiver.url)
        await crm.update_deal(lead.id, DealPatch(status_id=new_status))
        await sandbox.webhooks_idle()

    assert all(ct.startswith("application/x-www-form-urlencoded") for ct in receiver.content_types)
    batches = [parse_webhook(body.encode()) for body in receiver.bodies]
    assert [b.account_id for b in batches] == [seed.account_id] * len(batches)
    assert [b.subdomain for b in batches] == [state.account.subdomain] * len(batches)
    events = [e for b in batches for e in b.events]
    assert [e.type for e in events] == [
        CrmEventType.DEAL_STATUS_CHANGED,
        CrmEventType.DEAL_UPDATED,
    ]
    change = events[0]
    assert (change.entity, change.entity_id) == ("lead", lead.id)
    assert (change.pipeline_id, change.status_id) == (DESIGN_PIPELINE_ID, new_status)
    assert (change.old_pipeline_id, change.old_status_id) == (DESIGN_PIPELINE_ID, old_status)
    assert change.responsible_user_id == lead.responsible_user_id
    assert change.occurred_at == datetime.fromtimestamp(NOW, UTC)
    # The same delivery sent again would be recognised as a duplicate.
    again = parse_webhook(receiver.bodies[0]).events[0]
    assert again.dedup_key() == change.dedup_key()


async def test_a_completed_task_arrives_as_task_completed(
    sandbox: CrmSandbox, crm: AmoCrmClient, state: CrmState, seed: SeedInfo
) -> None:
    task_id = open_task_id(state)
    async with run_receiver() as receiver:
        sandbox.set_webhook_url(receiver.url)
        await crm.complete_task(task_id, "Клиент подтвердил замер")
        await sandbox.webhooks_idle()
    (body,) = receiver.bodies
    (event,) = parse_webhook(body).events
    assert (event.type, event.entity, event.entity_id) == (
        CrmEventType.TASK_COMPLETED,
        "task",
        task_id,
    )
    assert event.raw["result"] == {"text": "Клиент подтвердил замер"}
    assert event.account_id == seed.account_id
