"""Outgoing flow control for Telegram: a global token bucket and per-chat spacing.

Telegram answers 429 beyond about 30 messages/s overall and about 1 message/s in one chat
(short bursts tolerated). Staying under both is cheaper than being told off: a 429 costs a
round trip and pauses the chat for `retry_after` seconds.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable


class TokenBucket:
    """`await acquire()` returns when a token is available; `rate` tokens/s, `burst` at most.

    Waiters are served in arrival order: each acquire reserves the next free slot, so a burst of
    callers is spread evenly instead of waking together and racing.
    """

    def __init__(
        self, rate: float, burst: float = 1.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive")
        self.rate = rate
        self.burst = max(1.0, burst)
        self._clock = clock
        self._tokens = self.burst
        self._updated = clock()

    def reserve(self) -> float:
        """Take one token (possibly going into debt); seconds to wait before using it."""
        now = self._clock()
        self._tokens = min(self.burst, self._tokens + (now - self._updated) * self.rate)
        self._updated = now
        self._tokens -= 1.0
        return 0.0 if self._tokens >= 0 else -self._tokens / self.rate

    async def acquire(self) -> None:
        wait = self.reserve()
        if wait > 0:
            await asyncio.sleep(wait)


class ChatPacer:
    """When each chat may be sent to next: `interval` after the previous send finished, or later
    when Telegram paused the chat with a 429."""

    def __init__(self, interval: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.interval = interval
        self._clock = clock
        self._ready_at: dict[int, float] = {}

    def wait_time(self, chat_id: int) -> float:
        return max(0.0, self._ready_at.get(chat_id, 0.0) - self._clock())

    def sent(self, chat_id: int) -> None:
        self._ready_at[chat_id] = max(
            self._ready_at.get(chat_id, 0.0), self._clock() + self.interval
        )
        self._forget_old()

    def pause(self, chat_id: int, seconds: float) -> None:
        self._ready_at[chat_id] = max(self._ready_at.get(chat_id, 0.0), self._clock() + seconds)

    def _forget_old(self) -> None:
        if len(self._ready_at) < 10_000:
            return
        now = self._clock()
        self._ready_at = {chat: at for chat, at in self._ready_at.items() if at > now}
