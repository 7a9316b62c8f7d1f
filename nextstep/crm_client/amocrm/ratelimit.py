"""A smooth request limiter: requests leave about 1/rate seconds apart.

amoCRM allows 7 requests/s and answers bursts with 429 (and, repeated, with a 403 block), so the
client never bursts: each caller reserves the next free slot synchronously (no await between
reading and moving the schedule, hence safe for concurrent callers on one event loop) and then
sleeps until its slot. No credit is saved up while idle.
"""

from __future__ import annotations

from nextstep.crm_client.amocrm.clock import Clock, SystemClock


class RateLimiter:
    def __init__(self, rate: float, clock: Clock | None = None) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive (requests per second)")
        self.rate = rate
        self.interval = 1.0 / rate
        self._clock = clock or SystemClock()
        self._next_free: float | None = None
        self._hold_until = float("-inf")  # set by defer(); checked again after every wait

    def reserve(self) -> float:
        """Book the next slot and return its time on the clock's monotonic scale."""
        now = self._clock.monotonic()
        slot = now if self._next_free is None else max(now, self._next_free)
        self._next_free = slot + self.interval
        return slot

    async def acquire(self) -> float:
        """Wait for this caller's slot; returns the slot time.

        A slot booked before a `defer()` may fall inside the hold: then the caller books
        again after it instead of going out (else a 429 burst would repeat at once).
        """
        while True:
            slot = self.reserve()
            delay = slot - self._clock.monotonic()
            if delay > 0:
                await self._clock.sleep(delay)
            if slot >= self._hold_until:
                return slot

    def defer(self, seconds: float) -> None:
        """Hold every caller back for `seconds` from now (after a 429: everyone backs off)."""
        until = self._clock.monotonic() + max(0.0, seconds)
        self._hold_until = max(self._hold_until, until)
        if self._next_free is None or self._next_free < until:
            self._next_free = until
