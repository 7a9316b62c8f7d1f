"""The outbox: idempotent enqueue, claims that never hand a row to two workers, leases that
make a crashed send come back, and strict order among rows sharing an order key."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

from nextstep.bot.storage import Database, outbox
from tests.integration.storage.storage_world import NOW

LEASE = timedelta(seconds=30)


async def _enqueue_many(db: Database, n: int, order_key: str | None = None) -> list[int]:
    ids = []
    async with db.transaction() as s:
        for i in range(n):
            new_id = await outbox.enqueue(
                s, "telegram", {"n": i}, f"msg:{i}", now=NOW, order_key=order_key
            )
            assert new_id is not None
            ids.append(new_id)
    return ids


async def _claim(db: Database, limit: int = 10, at: datetime = NOW) -> list[int]:
    async with db.transaction() as s:
        return [row.id for row in await outbox.claim_batch(s, limit, at, LEASE)]


async def test_enqueue_twice_with_one_key_makes_one_row(db: Database) -> None:
    async with db.transaction() as s:
        first = await outbox.enqueue(s, "crm", {"op": "add_note"}, "deal:1:note", now=NOW)
        again = await outbox.enqueue(s, "crm", {"op": "add_note"}, "deal:1:note", now=NOW)
    assert first is not None
    assert again is None
    assert await _claim(db) == [first]


async def test_four_workers_never_claim_a_row_twice(db: Database) -> None:
    ids = await _enqueue_many(db, 40)

    async def worker() -> list[int]:
        got: list[int] = []
        while batch := await _claim(db, limit=3):
            got.extend(batch)
            await asyncio.sleep(0)
        return got

    claimed = [i for batch in await asyncio.gather(*(worker() for _ in range(4))) for i in batch]
    assert sorted(claimed) == ids


async def test_expired_lease_is_claimed_again(db: Database) -> None:
    [item_id] = await _enqueue_many(db, 1)
    assert await _claim(db) == [item_id]  # the worker crashes before mark_sent
    assert await _claim(db, at=NOW + LEASE / 2) == []
    assert await _claim(db, at=NOW + LEASE) == [item_id]
    async with db.transaction() as s:
        assert await outbox.mark_sent(s, item_id, NOW + LEASE, {"message_id": 77})
    async with db.session() as s:
        row = await outbox.get(s, item_id)
    assert row is not None
    assert (row.status, row.attempts, row.result) == ("sent", 2, {"message_id": 77})
    assert await _claim(db, at=NOW + 10 * LEASE) == []


async def test_retry_waits_for_its_delay_and_dead_rows_stay_dead(db: Database) -> None:
    retry_id, dead_id = await _enqueue_many(db, 2)
    assert await _claim(db) == [retry_id, dead_id]
    async with db.transaction() as s:
        assert await outbox.mark_retry(s, retry_id, NOW, timedelta(minutes=1), "429")
        assert await outbox.mark_dead(s, dead_id, "403 Forbidden: bot was blocked")
    assert await _claim(db, at=NOW + timedelta(seconds=59)) == []
    assert await _claim(db, at=NOW + timedelta(minutes=1)) == [retry_id]
    async with db.session() as s:
        dead = await outbox.get(s, dead_id)
    assert dead is not None
    assert (dead.status, dead.last_error) == ("dead", "403 Forbidden: bot was blocked")


async def test_not_before_delays_the_first_attempt(db: Database) -> None:
    async with db.transaction() as s:
        later = NOW + timedelta(hours=1)
        await outbox.enqueue(s, "telegram", {}, "digest", chat_id=5, not_before=later, now=NOW)
    assert await _claim(db) == []
    assert len(await _claim(db, at=NOW + timedelta(hours=1))) == 1


async def test_rows_sharing_an_order_key_go_one_after_another(db: Database) -> None:
    send, edit = await _enqueue_many(db, 2, order_key="card:1")
    assert await _claim(db) == [send]
    async with db.transaction() as s:
        await outbox.mark_retry(s, send, NOW, timedelta(0), "timeout")
    assert await _claim(db) == [send]  # the edit still waits behind the send
    async with db.transaction() as s:
        await outbox.mark_sent(s, send, NOW, {"message_id": 1})
    assert await _claim(db) == [edit]
