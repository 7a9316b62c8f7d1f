"""amoCRM's request limit: at most `rate` requests in any 1-second window per token.

Past it the API answers 429 with a plain-text body and no Retry-After (what the official SDK
special-cases). Optionally, more than `block_after` 429s within `block_window` seconds blocks the
account: every call answers 403 for `block_seconds`, as amoCRM blocks repeat offenders.
Real (monotonic) time is used here, not the state's data clock.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

from aiohttp import web

from .hal import problem

WINDOW = 1.0


@dataclass
class RateLimiter:
    rate: float | None = 7.0
    block_after: int | None = None
    block_window: float = 60.0
    block_seconds: float = 60.0
    monotonic: Callable[[], float] = time.monotonic
    rejected: int = 0
    blocked_until: float = 0.0
    _hits: dict[str, deque[float]] = field(default_factory=dict)
    _rejections: deque[float] = field(default_factory=deque)

    def check(self, key: str) -> web.Response | None:
        """None to let the request through (and count it), else the 429/403 answer."""
        now = self.monotonic()
        if now < self.blocked_until:
            return problem(403, "Forbidden", "Account is blocked for exceeding the request limit")
        if self.rate is None:
            return None
        hits = self._hits.setdefault(key, deque())
        while hits and hits[0] <= now - WINDOW:
            hits.popleft()
        if len(hits) < self.rate:
            hits.append(now)
            return None
        self.rejected += 1
        if self.block_after is not None:
            self._rejections.append(now)
            while self._rejections and self._rejections[0] <= now - self.block_window:
                self._rejections.popleft()
            if len(self._rejections) > self.block_after:
                self.blocked_until = now + self.block_seconds
                self._rejections.clear()
        return too_many_requests()


def too_many_requests() -> web.Response:
    return web.Response(status=429, text="Too Many Requests", content_type="text/plain")
