"""The limiter spaces requests 1/rate apart, shared by concurrent callers, without bursts."""

from __future__ import annotations

import asyncio
import itertools

import pytest

from nextstep.crm_client.amocrm import RateLimiter
from tests.unit.crm_client.amocrm_fakes import FakeClock, Router, hal


async def test_concurrent_callers_get_evenly_spaced_slots(clock: FakeClock):
    limiter = RateLimiter(7.0, clock)
    start = clock.monotonic()
    slots = await asyncio.gather(*(limiter.acquire() for _ in range(10)))
    assert sorted(slots) == slots  # granted in call order
    assert slots[0] == start  # the first one goes at once
    gaps = [b - a for a, b in itertools.pairwise(slots)]
    assert gaps == pytest.approx([1 / 7] * 9)
    assert len(clock.sleeps) == 9  # everyone after the first waited


async def test_no_credit_is_saved_while_idle(clock: FakeClock):
    limiter = RateLimiter(2.0, clock)
    await limiter.acquire()
    clock.advance(60)  # a long pause must not allow a burst afterwards
    first = await limiter.acquire()
    second = await limiter.acquire()
    assert first == clock.monotonic() - 0.5
    assert second - first == pytest.approx(0.5)


async def test_defer_holds_every_caller_back(clock: FakeClock):
    limiter = RateLimiter(10.0, clock)
    await limiter.acquire()
    limiter.defer(5.0)
    now = clock.monotonic()
    assert await limiter.acquire() == pytest.approx(now + 5.0)


def test_rate_must_be_positive(clock: FakeClock):
    with pytest.raises(ValueError):
        RateLimiter(0, clock)


async def test_client_requests_leave_no_faster_than_the_rate(
    make_client, router: Router, clock: FakeClock
):
    router.add("GET", "/api/v4/account", hal(200, {"id": 1, "name": "A", "subdomain": "a"}))
    client = make_client(rate_limit=4.0)
    for _ in range(8):
        await client.get_account()
    gaps = [b - a for a, b in zip(router.times, router.times[1:], strict=False)]
    assert len(router.times) == 8
    assert all(gap >= 0.25 - 1e-9 for gap in gaps)
    assert client.stats.requests == 8


async def test_after_a_429_the_whole_client_backs_off(
    make_client, router: Router, clock: FakeClock
):
    router.add(
        "GET",
        "/api/v4/account",
        hal(429, None, **{"Retry-After": "2"}),
        hal(200, {"id": 1, "name": "A", "subdomain": "a"}),
    )
    client = make_client(rate_limit=100.0)
    await asyncio.gather(client.get_account(), client.get_account())
    # the second caller's request, and the retry, both waited for the Retry-After window
    assert router.times[0] + 2.0 <= router.times[-1]
    assert client.stats.responses_429 == 1
