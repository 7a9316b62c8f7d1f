"""Flow control arithmetic, on a fake clock: how far apart sends are let through."""

from __future__ import annotations

import random

import pytest

from nextstep.bot.delivery import Backoff
from nextstep.bot.delivery.pacing import ChatPacer, TokenBucket


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_the_bucket_spreads_a_crowd_evenly_after_its_burst() -> None:
    clock = FakeClock()
    bucket = TokenBucket(rate=25, burst=5, clock=clock)

    waits = [bucket.reserve() for _ in range(10)]

    assert waits[:5] == [0.0] * 5
    assert waits[5:] == pytest.approx([0.04, 0.08, 0.12, 0.16, 0.20])


def test_the_bucket_refills_with_time_but_not_beyond_its_burst() -> None:
    clock = FakeClock()
    bucket = TokenBucket(rate=10, burst=2, clock=clock)
    for _ in range(2):
        bucket.reserve()
    clock.now += 60  # a quiet minute does not bank 600 sends

    waits = [bucket.reserve() for _ in range(3)]

    assert waits == pytest.approx([0.0, 0.0, 0.1])


def test_a_chat_waits_its_interval_after_a_send_and_longer_when_paused() -> None:
    clock = FakeClock()
    pacer = ChatPacer(interval=1.0, clock=clock)
    assert pacer.wait_time(7) == 0

    pacer.sent(7)
    assert pacer.wait_time(7) == pytest.approx(1.0)
    assert pacer.wait_time(8) == 0  # other chats are not held back

    pacer.pause(7, 9)  # Telegram said retry_after 9
    clock.now += 1
    assert pacer.wait_time(7) == pytest.approx(8.0)
    pacer.sent(7)  # a send does not shorten a pause
    assert pacer.wait_time(7) == pytest.approx(8.0)


def test_backoff_grows_with_jitter_and_stays_under_its_cap() -> None:
    backoff = Backoff(base=2, factor=2, max_delay=300, rng=random.Random(1))

    delays = [backoff.delay(attempt).total_seconds() for attempt in range(1, 12)]

    for attempt, delay in enumerate(delays, start=1):
        ceiling = min(300, 2 * 2 ** (attempt - 1))
        assert ceiling / 2 <= delay <= ceiling
    assert backoff.delay(10_000).total_seconds() <= 300  # no overflow on a long outage
