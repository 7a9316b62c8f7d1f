"""The limiter never lets more than N requests leave in any 1-second window, counted on actual
send times, however late or bunched the callers are; sustained, it gets close to N/s."""

from __future__ import annotations

import asyncio
import itertools
import random

import pytest

from nextstep.crm_client.amocrm import RateLimiter
from nextstep.crm_client.amocrm.ratelimit import MAX_EXCESS
from tests.unit.crm_client.amocrm_fakes import FakeClock, Router, hal

ACCOUNT = {"id": 1, "name": "A", "subdomain": "a"}


def busiest_window(stamps: list[float], window: float = 1.0) -> int:
    """The most stamps within any half-open `window` (what a server's sliding window counts)."""
    ordered = sorted(stamps)
    best, start = 0, 0
    for end, stamp in enumerate(ordered):
        while stamp - ordered[start] >= window - 1e-9:
            start += 1
        best = max(best, end - start + 1)
    return best


async def send(limiter: RateLimiter, route: str = "") -> float:
    """One request through the limiter, answered at once; its send time."""
    sent = await limiter.acquire(route)
    limiter.answered(sent)
    return sent.at


class LateClock(FakeClock):
    """A clock whose sleeps overshoot, as on an event loop busy parsing a page."""

    def __init__(self, seed: int) -> None:
        super().__init__()
        self.random = random.Random(seed)

    async def sleep(self, seconds: float) -> None:
        await super().sleep(seconds + self.random.choice([0.0, 0.0, 0.05, 0.3, 0.9]))


async def test_no_second_ever_holds_more_than_the_limit_when_callers_come_late_in_bunches():
    clock = LateClock(seed=7)
    limiter = RateLimiter(7.0, clock)
    sends: list[float] = []

    async def caller(requests: int) -> None:
        for _ in range(requests):
            sent = await limiter.acquire()
            sends.append(clock.monotonic())  # the request leaves now: this is what counts
            limiter.answered(sent)
            # the caller parses its page: the loop is busy, time moves on without a sleep
            clock.advance(clock.random.choice([0.0, 0.01, 0.2, 0.6]))
            await asyncio.sleep(0)

    for _ in range(5):  # bunches of callers arriving together after a busy stretch
        await asyncio.gather(*(caller(12) for _ in range(6)))
        clock.advance(clock.random.choice([0.1, 0.5, 1.5]))
    assert len(sends) == 5 * 6 * 12
    assert busiest_window(sends) <= 7
    assert busiest_window(sends, limiter.window) <= 7  # the safety margin is kept, too


async def test_sustained_throughput_is_close_to_the_limit():
    clock = FakeClock()
    limiter = RateLimiter(7.0, clock)
    sends = await asyncio.gather(*(send(limiter) for _ in range(701)))
    rate = (len(sends) - 1) / (sends[-1] - sends[0])
    assert 6.5 <= rate <= 7.0
    assert busiest_window(sends) == 7


async def test_requests_are_spread_out_not_sent_in_a_burst(clock: FakeClock):
    limiter = RateLimiter(7.0, clock)
    start = clock.monotonic()
    sends = await asyncio.gather(*(send(limiter) for _ in range(10)))
    assert sends == sorted(sends)  # granted in call order
    assert sends[0] == start  # the first one goes at once
    assert all(b - a >= 1 / 7 - 1e-9 for a, b in itertools.pairwise(sends))
    assert sends[7] - sends[0] >= 1.0  # the 8th waits out the first one's second


async def test_no_credit_is_saved_while_idle(clock: FakeClock):
    limiter = RateLimiter(2.0, clock)
    await send(limiter)
    clock.advance(60)  # a long pause must not allow a burst afterwards
    first = await send(limiter)
    second = await send(limiter)
    assert first == clock.monotonic() - 0.5
    assert second - first == pytest.approx(0.5)


async def test_a_rate_below_one_per_second_spaces_single_requests(clock: FakeClock):
    limiter = RateLimiter(0.5, clock)
    sends = await asyncio.gather(*(send(limiter) for _ in range(3)))
    assert all(b - a >= 2.0 for a, b in itertools.pairwise(sends))


async def test_defer_holds_every_caller_back(clock: FakeClock):
    limiter = RateLimiter(10.0, clock)
    await send(limiter)
    limiter.defer(5.0)
    now = clock.monotonic()
    assert await send(limiter) == pytest.approx(now + 5.0)


async def test_a_defer_while_callers_wait_holds_them_too(clock: FakeClock):
    limiter = RateLimiter(7.0, clock)
    waiting = [asyncio.create_task(send(limiter)) for _ in range(3)]
    await asyncio.sleep(0)
    now = clock.monotonic()
    limiter.defer(3.0)
    sends = await asyncio.gather(*waiting)
    assert all(s >= now + 3.0 for s in sends[1:])  # the first had gone before the 429 came


async def test_a_request_answered_unusually_slowly_counts_from_later(clock: FakeClock):
    """The server may have stamped it late (it sat in the server's queue): the request N sends
    later waits as much longer, so the two cannot land in one server second."""
    limiter = RateLimiter(7.0, clock)
    for _ in range(3):  # the route usually answers in 0.05 s
        sent = await limiter.acquire("GET /leads")
        clock.advance(0.05)
        limiter.answered(sent)
    clock.advance(2.0)  # the window is empty again
    slow = await limiter.acquire("GET /leads")
    clock.advance(0.35)  # 0.3 s slower than usual
    limiter.answered(slow)
    sends = [await send(limiter, "GET /leads") for _ in range(7)]
    # the 8th send after the slow one waits out the window from (0.3 s less the part of the
    # margin kept for everyday spread) after its send
    assert sends[6] - slow.at == pytest.approx(0.3 - limiter.margin / 2 + limiter.window)


async def test_a_routes_first_request_counts_from_its_answer(clock: FakeClock):
    """Nothing is known of the route yet (a cold server queues the most): the whole answer
    time may have been spent before the server stamped the request."""
    limiter = RateLimiter(7.0, clock)
    first = await limiter.acquire("GET /events")
    clock.advance(0.2)
    limiter.answered(first)
    sends = [await send(limiter, "GET /events") for _ in range(7)]
    assert sends[6] - first.at == pytest.approx(0.2 - limiter.margin / 2 + limiter.window)


async def test_a_request_still_unanswered_holds_its_place_longer(clock: FakeClock):
    limiter = RateLimiter(7.0, clock)
    for _ in range(3):
        await send(limiter, "GET /leads")  # answered at once: usually instant
    clock.advance(2.0)
    hung = await limiter.acquire("GET /leads")  # never answered (a hung request)
    assert MAX_EXCESS > 1 / 7
    sends = [await send(limiter, "GET /leads") for _ in range(7)]
    # it counts as if sent up to MAX_EXCESS later: the window then starts at the next send
    assert sends[6] - hung.at == pytest.approx(1 / 7 + limiter.window)


def test_rate_and_margin_must_make_sense(clock: FakeClock):
    with pytest.raises(ValueError):
        RateLimiter(0, clock)
    with pytest.raises(ValueError):
        RateLimiter(7.0, clock, margin=-0.1)


async def test_client_requests_leave_no_faster_than_the_rate(
    make_client, router: Router, clock: FakeClock
):
    router.add("GET", "/api/v4/account", hal(200, ACCOUNT))
    client = make_client(rate_limit=4.0)
    for _ in range(8):
        await client.get_account()
    gaps = [b - a for a, b in itertools.pairwise(router.times)]
    assert len(router.times) == 8
    assert all(gap >= 0.25 - 1e-9 for gap in gaps)
    assert busiest_window(router.times) <= 4
    assert client.stats.requests == 8


async def test_concurrent_client_calls_stay_within_the_window(
    make_client, router: Router, clock: FakeClock
):
    router.add("GET", "/api/v4/account", hal(200, ACCOUNT))
    client = make_client(rate_limit=7.0)
    await asyncio.gather(*(client.get_account() for _ in range(30)))
    assert len(router.times) == 30
    assert busiest_window(router.times) <= 7


async def test_after_a_429_the_whole_client_backs_off(
    make_client, router: Router, clock: FakeClock
):
    router.add(
        "GET",
        "/api/v4/account",
        hal(429, None, **{"Retry-After": "2"}),
        hal(200, ACCOUNT),
    )
    client = make_client(rate_limit=100.0)
    await asyncio.gather(client.get_account(), client.get_account())
    # the second caller's request, and the retry, both waited for the Retry-After window
    assert router.times[0] + 2.0 <= router.times[-1]
    assert client.stats.responses_429 == 1
