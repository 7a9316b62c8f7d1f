"""How long to wait before the next try: exponential, capped, with "equal jitter".

Half of the delay is fixed and half random, so relays that failed together (a Telegram or CRM
outage) do not all come back in the same instant and trip the limits again.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import timedelta


@dataclass
class Backoff:
    base: float = 1.0  # seconds before the 2nd try
    factor: float = 2.0
    max_delay: float = 300.0
    rng: random.Random = field(default_factory=random.Random)

    def delay(self, attempt: int) -> timedelta:
        """Delay after the `attempt`-th failed try (1-based)."""
        exponent = max(0, attempt - 1)
        # Cap the exponent first: factor ** 1000 would overflow a float.
        ceiling = min(self.max_delay, self.base * self.factor ** min(exponent, 64))
        return timedelta(seconds=ceiling / 2 + self.rng.uniform(0, ceiling / 2))
