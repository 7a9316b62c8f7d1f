"""A sliding-window request limiter on actual send times: never more than N sends in any window.

amoCRM allows 7 requests/s, counted on its side as arrivals in a sliding 1-second window, and
answers the 8th with 429 (repeated, with a 403 block). So the client counts what it really sent:
the send time is booked at the moment the request is handed to the transport, after every await
before it (a token refresh, a sleep that overslept, an event loop busy parsing a page), never
ahead of time. A slot booked in advance and sent late lets late requests leave back to back;
a window over actual send times cannot be fooled by lateness.

- `limit` = floor(rate) sends (at least 1) per `span` (1 s; longer for a rate below 1/s);
- the window the client keeps is `span + margin`: the server stamps arrivals on its own clock,
  a little after the send (network, its own queue), by amounts that differ from request to
  request;
- a request answered slower than its route usually is (`answered()`; the median of its recent
  answers) may have left late (the event loop busy between booking and writing it) or waited in
  the server's queue before being stamped, so it is counted in the window from its send time
  plus that excess beyond half the margin (at most `MAX_EXCESS`): a stamp pushed late must not
  let the request N sends later arrive within the same server second. On a steady server this
  costs next to nothing. Until a route has answered once, its whole answer time counts (a cold
  server queues the most), as it does for a request still unanswered;
- sends are also spread at least `1/rate` apart, so the server is not handed N requests at once
  and no burst is saved up while idle;
- `defer()` holds every caller back after a 429 (the server's own window is full).

Concurrency: `acquire()` checks and books under an `asyncio.Lock` (callers queue on it in
arrival order, the one at the head sleeping until its send fits), so concurrent callers on one
event loop never book the same room in the window. No I/O happens under the lock.
"""

from __future__ import annotations

import asyncio
import math
from collections import deque
from dataclasses import dataclass
from statistics import median

from nextstep.crm_client.amocrm.clock import Clock, SystemClock

#: Seconds added to the 1-s window for jitter between the client's send and the server's arrival
#: stamp. 7 sends per 1.05 s is 6.67/s sustained.
DEFAULT_MARGIN = 0.05
#: The most a slow answer may push its request's place in the window (a hung request must not
#: stall every caller).
MAX_EXCESS = 0.5
#: Answers per route remembered for its usual (median recent) answer time.
HISTORY = 20


@dataclass(eq=False)
class Send:
    """One request let through: when it left, on which route, and when it was answered."""

    at: float
    route: str = ""
    answered_at: float | None = None
    usual: float = 0.0  # the route's usual answer time when this one was answered


class RateLimiter:
    def __init__(
        self, rate: float, clock: Clock | None = None, *, margin: float = DEFAULT_MARGIN
    ) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive (requests per second)")
        if margin < 0:
            raise ValueError("margin must not be negative")
        self.rate = rate
        self.limit = max(1, math.floor(rate))
        self.span = max(1.0, self.limit / rate)
        self.margin = margin
        self.window = self.span + margin
        self.interval = 1.0 / rate
        self._clock = clock or SystemClock()
        self._sent: deque[Send] = deque()  # sends that may still count in the window
        self._usual: dict[str, deque[float]] = {}  # recent answer times per route
        self._hold_until = float("-inf")  # set by defer()
        self._lock = asyncio.Lock()

    def _usual_time(self, route: str) -> float:
        """The route's usual answer time; 0 while unknown (a route's first requests are counted
        from their answer: a cold server is when requests queue the longest)."""
        history = self._usual.get(route)
        return median(history) if history else 0.0

    def _counted_from(self, send: Send, now: float) -> float:
        """Where `send` sits in the window: its send time, later if answered unusually slowly.

        The excess over the route's usual answer time bounds how late it may have left this
        process (a busy event loop) or been stamped by the server (its queue). Half the margin
        absorbs the everyday spread of answer times (else every answer a little slower than the
        median would cost throughput); the other half stays for the jitter no answer time shows.
        """
        if send.answered_at is None:
            taken, usual = now - send.at, self._usual_time(send.route)
        else:
            taken, usual = send.answered_at - send.at, send.usual
        return send.at + min(MAX_EXCESS, max(0.0, taken - usual - self.margin / 2))

    def _wait_needed(self, now: float) -> float:
        """Seconds until a send is allowed at `now` (0: now is fine)."""
        sent = self._sent
        while sent and sent[0].at + MAX_EXCESS + self.window <= now:
            sent.popleft()
        ready = self._hold_until
        if sent:
            ready = max(ready, sent[-1].at + self.interval)
            counted = sorted(self._counted_from(s, now) for s in sent)
            recent = [c for c in counted if c > now - self.window]
            if len(recent) >= self.limit:
                ready = max(ready, recent[-self.limit] + self.window)
        return max(0.0, ready - now)

    async def acquire(self, route: str = "") -> Send:
        """Wait until a send fits the window, then book it; returns the booked send.

        Call it right before handing the request to the transport, with no await in between:
        the booked time is the send time the window counts. `route` names the kind of request
        (its usual answer time is learnt per route); pass the send to `answered()` later.
        """
        async with self._lock:
            while True:
                now = self._clock.monotonic()
                delay = self._wait_needed(now)
                if delay <= 0:
                    send = Send(now, route)
                    self._sent.append(send)
                    return send
                # The wait is rechecked after waking: a defer() may have come in meanwhile,
                # a slow answer may have moved the window, the sleep may have overslept.
                await self._clock.sleep(delay)

    def answered(self, send: Send) -> None:
        """The request got its answer (or failed): learn how long its route usually takes."""
        now = self._clock.monotonic()
        send.answered_at = now
        send.usual = self._usual_time(send.route)  # judged against the answers before it
        self._usual.setdefault(send.route, deque(maxlen=HISTORY)).append(now - send.at)

    def defer(self, seconds: float) -> None:
        """Hold every caller back for `seconds` from now (after a 429: everyone backs off)."""
        until = self._clock.monotonic() + max(0.0, seconds)
        self._hold_until = max(self._hold_until, until)
