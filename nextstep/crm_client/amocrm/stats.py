"""Counters a benchmark (or an operator) reads to see how the client behaves under load."""

from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass
class ClientStats:
    requests: int = 0  # HTTP requests sent (every attempt counts)
    responses_429: int = 0  # "too many requests" answers received
    retries: int = 0  # attempts repeated after a 429, 5xx, timeout or connection error
    token_refreshes: int = 0  # refreshes triggered by a 401 (expiry refreshes are in the session)

    def as_dict(self) -> dict[str, int]:
        return asdict(self)
