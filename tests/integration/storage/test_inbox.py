"""The inbox: a resent webhook is stored once; processing is leased and retried."""

from __future__ import annotations

from datetime import datetime, timedelta

from nextstep.bot.storage import Database
from nextstep.bot.storage.inbox import (
    claim_inbox,
    enqueue_inbox,
    mark_inbox_done,
    mark_inbox_failed,
)
from tests.integration.storage.storage_world import NOW

LEASE = timedelta(minutes=1)


async def _claim(db: Database, at: datetime = NOW) -> list[int]:
    async with db.transaction() as s:
        return [item.id for item in await claim_inbox(s, 10, at, LEASE)]


async def test_resent_webhook_is_stored_and_processed_once(db: Database) -> None:
    event = {"type": "deal_status_changed", "entity_id": 1}
    async with db.transaction() as s:
        assert await enqueue_inbox(s, "amocrm", "evt:abc", event, NOW)
    async with db.transaction() as s:
        assert not await enqueue_inbox(s, "amocrm", "evt:abc", event, NOW)
    [item_id] = await _claim(db)
    async with db.transaction() as s:
        await mark_inbox_done(s, item_id, NOW)
    assert await _claim(db, at=NOW + timedelta(days=1)) == []


async def test_failed_event_comes_back_after_retry_time(db: Database) -> None:
    async with db.transaction() as s:
        await enqueue_inbox(s, "sync", "deal:1:t0", {}, NOW)
    [item_id] = await _claim(db)
    assert await _claim(db) == []  # leased
    async with db.transaction() as s:
        await mark_inbox_failed(s, item_id, "CRM timeout", NOW + timedelta(seconds=30))
    assert await _claim(db, at=NOW + timedelta(seconds=29)) == []
    assert await _claim(db, at=NOW + timedelta(seconds=30)) == [item_id]


async def test_crashed_processing_is_reclaimed_after_the_lease(db: Database) -> None:
    async with db.transaction() as s:
        await enqueue_inbox(s, "amocrm", "evt:1", {}, NOW)
    [item_id] = await _claim(db)
    assert await _claim(db, at=NOW + LEASE) == [item_id]
