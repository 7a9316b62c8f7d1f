"""Telegram's flood control as token buckets: ~1 message/s per chat (short bursts), ~30/s overall.

The real limits are not published exactly (Bot FAQ: "avoid more than one message per second" in a
chat, "about 30 messages per second" in bulk), so both are configurable; the defaults are the FAQ
figures with a burst of 3 per chat, enough to trip a sender that ignores ``retry_after``.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class RateLimits:
    """Flood-control settings; ``enabled=False`` turns all 429s off."""

    per_chat_rate: float = 1.0
    per_chat_burst: float = 3.0
    global_rate: float = 30.0
    global_burst: float = 30.0
    enabled: bool = True


class TokenBucket:
    """Holds up to ``capacity`` tokens, refilled at ``rate`` per second; one message takes one."""

    def __init__(self, rate: float, capacity: float, now: float) -> None:
        self.rate = rate
        self.capacity = capacity
        self.tokens = capacity
        self.updated = now

    def _refill(self, now: float) -> None:
        elapsed = max(0.0, now - self.updated)
        self.tokens = min(self.capacity, self.tokens + elapsed * self.rate)
        self.updated = now

    def wait_time(self, now: float) -> float:
        """Seconds until one token is available (0 when one is available now)."""
        self._refill(now)
        if self.tokens >= 1.0:
            return 0.0
        return (1.0 - self.tokens) / self.rate

    def take(self, now: float) -> None:
        self._refill(now)
        self.tokens -= 1.0


@dataclass
class ChatStats:
    accepted: int = 0
    rate_limited: int = 0


@dataclass
class Stats:
    """Counters the delivery benchmark and the tests read: what was accepted, what got a 429."""

    requests: int = 0
    errors: int = 0
    messages_accepted: int = 0
    rate_limited: int = 0
    per_chat: dict[int, ChatStats] = field(default_factory=dict)

    def chat(self, chat_id: int) -> ChatStats:
        return self.per_chat.setdefault(chat_id, ChatStats())

    def as_dict(self) -> dict[str, Any]:
        return {
            "requests": self.requests,
            "errors": self.errors,
            "messages_accepted": self.messages_accepted,
            "rate_limited": self.rate_limited,
            "per_chat": {
                str(chat_id): {"accepted": s.accepted, "rate_limited": s.rate_limited}
                for chat_id, s in sorted(self.per_chat.items())
            },
        }


class RateLimiter:
    """Decides whether a message-producing call to a chat may pass now, and counts the outcome."""

    def __init__(
        self,
        limits: RateLimits,
        stats: Stats,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.limits = limits
        self.stats = stats
        self._clock = clock
        self._global = TokenBucket(limits.global_rate, limits.global_burst, clock())
        self._chats: dict[int, TokenBucket] = {}

    def _chat_bucket(self, chat_id: int, now: float) -> TokenBucket:
        bucket = self._chats.get(chat_id)
        if bucket is None:
            bucket = TokenBucket(self.limits.per_chat_rate, self.limits.per_chat_burst, now)
            self._chats[chat_id] = bucket
        return bucket

    def acquire(self, chat_id: int) -> int | None:
        """Take a token from both buckets, or return ``retry_after`` seconds (whole, ≥ 1)."""
        if not self.limits.enabled:
            self.stats.messages_accepted += 1
            self.stats.chat(chat_id).accepted += 1
            return None
        now = self._clock()
        chat_bucket = self._chat_bucket(chat_id, now)
        wait = max(chat_bucket.wait_time(now), self._global.wait_time(now))
        if wait > 0:
            self.stats.rate_limited += 1
            self.stats.chat(chat_id).rate_limited += 1
            return max(1, math.ceil(wait))
        chat_bucket.take(now)
        self._global.take(now)
        self.stats.messages_accepted += 1
        self.stats.chat(chat_id).accepted += 1
        return None
