"""The loop both relays share: claim due rows with a lease, work on them concurrently (rows that
share a key one after another), wake on `wake()` or every `poll_interval` seconds.

Claiming is the storage's `claim_batch`: it hands out only rows whose older siblings (same
`order_key`) are done, so a chat's messages and a deal's CRM ops go out in order. The pump adds
a per-key lock for rows enqueued without an `order_key`, so two rows of one chat or deal claimed
together still run one after the other, in id order.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import time
from collections.abc import Awaitable, Callable, Hashable, Sequence
from datetime import datetime, timedelta
from typing import Any

from nextstep.bot.storage import Database
from nextstep.bot.storage import outbox as outbox_store
from nextstep.bot.storage.models import OutboxItem

log = logging.getLogger(__name__)

Handler = Callable[[OutboxItem], Awaitable[None]]
KeyOf = Callable[[OutboxItem], Hashable]


class Pump:
    def __init__(
        self,
        db: Database,
        kind: str,
        *,
        handle: Handler,
        key_of: KeyOf,
        clock: Callable[[], datetime],
        lease: timedelta,
        capacity: int,
        poll_interval: float,
        claim_interval: float = 0.1,
    ) -> None:
        if capacity < 1:
            raise ValueError("capacity must be at least 1")
        self.db = db
        self.kind = kind
        self._handle = handle
        self._key_of = key_of
        self._clock = clock
        self.lease = lease
        self.capacity = capacity
        self.poll_interval = poll_interval
        self.claim_interval = claim_interval
        self._wake = asyncio.Event()
        self._stopping = False
        self._locks: dict[Hashable, asyncio.Lock] = {}
        self._waiters: dict[Hashable, int] = {}

    def wake(self) -> None:
        """Look for rows now (call after committing rows of this kind)."""
        self._wake.set()

    def stop(self) -> None:
        """Make `run()` return once the rows in hand are finished (no new claims)."""
        self._stopping = True
        self._wake.set()

    async def drain_once(self) -> int:
        """Work until nothing is due and nothing is in hand; returns the rows handled.

        Rows rescheduled for later (a retry, a 429) are not waited for.
        """
        return await self._loop(until_idle=True)

    async def run(self) -> None:
        """Work forever (until `stop()` or cancellation). Cancelled work leaves its rows
        `sending`; their lease runs out and they are claimed again, so nothing is lost."""
        self._stopping = False
        await self._loop(until_idle=False)

    async def _loop(self, *, until_idle: bool) -> int:
        in_hand: set[asyncio.Task[None]] = set()
        handled = 0
        last_claim = -math.inf
        try:
            while True:
                free = self.capacity - len(in_hand)
                since = time.monotonic() - last_claim
                # With rows in hand, claim at most every `claim_interval`: each claim is a write
                # transaction, and on SQLite every writer queues behind the others.
                may_claim = (
                    free > 0
                    and not self._stopping
                    and (not in_hand or since >= self.claim_interval)
                )
                if may_claim:
                    self._wake.clear()
                    for row in await self._claim(free):
                        in_hand.add(asyncio.create_task(self._work(row), name=f"outbox-{row.id}"))
                    last_claim = time.monotonic()
                if not in_hand:
                    if until_idle or self._stopping:
                        return handled
                    await self._sleep()
                    continue
                if len(in_hand) >= self.capacity:
                    # Full: nothing to claim until something finishes.
                    done, _ = await asyncio.wait(in_hand, return_when=asyncio.FIRST_COMPLETED)
                elif may_claim:
                    done = await self._wait_some(in_hand, self.poll_interval, wake=True)
                else:
                    done = await self._wait_some(in_hand, self.claim_interval - since, wake=False)
                handled += len(done)
                in_hand -= done
        finally:
            for task in in_hand:
                task.cancel()
            if in_hand:
                await asyncio.gather(*in_hand, return_exceptions=True)

    async def _wait_some(
        self, in_hand: set[asyncio.Task[None]], limit: float, *, wake: bool
    ) -> set[asyncio.Task[None]]:
        """Until a row finishes (its successor may now be claimable), a wake, or `limit` s."""
        waitables: set[asyncio.Task[Any]] = set(in_hand)
        waker: asyncio.Task[Any] | None = None
        if wake:
            waker = asyncio.create_task(self._wake.wait())
            waitables.add(waker)
        try:
            done, _ = await asyncio.wait(
                waitables, timeout=max(0.0, limit), return_when=asyncio.FIRST_COMPLETED
            )
        finally:
            if waker is not None:
                waker.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await waker
        return {task for task in in_hand if task in done}

    async def _sleep(self) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), self.poll_interval)

    async def _claim(self, limit: int) -> Sequence[OutboxItem]:
        try:
            async with self.db.transaction() as session:
                return await outbox_store.claim_batch(
                    session, limit, self._clock(), self.lease, kind=self.kind
                )
        except Exception:
            # A database hiccup must not kill the relay; the next tick tries again.
            log.exception("claiming %s outbox rows failed", self.kind)
            return ()

    async def _work(self, row: OutboxItem) -> None:
        key = self._key_of(row)
        lock = self._locks.setdefault(key, asyncio.Lock())
        self._waiters[key] = self._waiters.get(key, 0) + 1
        try:
            async with lock:
                await self._handle(row)
        except Exception:
            # The handler records its own outcomes; this is a bug. The row keeps its lease
            # and comes back when it runs out.
            log.exception("%s outbox row %s failed unexpectedly", self.kind, row.id)
        finally:
            self._waiters[key] -= 1
            if not self._waiters[key]:
                del self._waiters[key]
                del self._locks[key]
