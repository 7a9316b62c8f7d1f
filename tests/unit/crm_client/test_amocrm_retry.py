"""Retries: 429 always (it was refused), 5xx/timeouts only when repeating cannot apply twice."""

from __future__ import annotations

import random
from datetime import UTC, datetime

import httpx
import pytest

from nextstep.crm_client.amocrm import RetryPolicy
from nextstep.crm_client.errors import (
    CrmConnectionError,
    CrmForbidden,
    CrmPaymentRequired,
    CrmRateLimited,
    CrmServerError,
    CrmTimeout,
)
from nextstep.crm_client.models import DealPatch, NewDeal, NewTask
from tests.unit.crm_client.amocrm_fakes import FakeClock, Router, hal

ACCOUNT = {"id": 1, "name": "Acme", "subdomain": "acme"}
TOO_MANY = httpx.Response(429, content=b"Too Many Requests", headers={"Content-Type": "text/html"})


def raising(exc_type: type[httpx.TransportError]):
    def handle(request: httpx.Request) -> httpx.Response:
        raise exc_type("boom", request=request)

    return handle


async def test_429_with_plain_text_body_and_no_retry_after_is_retried(
    client, router: Router, clock: FakeClock
):
    router.add("GET", "/api/v4/account", TOO_MANY, hal(200, ACCOUNT))

    assert (await client.get_account()).name == "Acme"
    assert client.stats.requests == 2
    assert client.stats.responses_429 == 1
    assert client.stats.retries == 1
    assert clock.sleeps
    assert clock.sleeps[-1] > 0


async def test_429_forever_raises_rate_limited_after_bounded_attempts(client, router: Router):
    router.add("GET", "/api/v4/account", TOO_MANY)

    with pytest.raises(CrmRateLimited):
        await client.get_account()
    assert len(router.requests) == 4
    assert client.stats.responses_429 == 4


async def test_429_retry_after_is_honoured(client, router: Router, clock: FakeClock):
    router.add("GET", "/api/v4/account", hal(429, None, **{"Retry-After": "3"}), hal(200, ACCOUNT))

    await client.get_account()
    assert router.times[1] - router.times[0] == pytest.approx(3.0)


async def test_429_retry_after_beyond_the_budget_is_raised_with_the_wait(client, router: Router):
    router.add("GET", "/api/v4/account", hal(429, None, **{"Retry-After": "120"}))

    with pytest.raises(CrmRateLimited) as info:
        await client.get_account()
    assert info.value.retry_after == 120
    assert len(router.requests) == 1


async def test_a_post_is_retried_after_429_because_nothing_was_done(client, router: Router):
    router.add("POST", "/api/v4/leads", TOO_MANY, hal(200, {"_embedded": {"leads": [{"id": 7}]}}))
    assert await client.create_deal(NewDeal(name="x", pipeline_id=10)) == 7


async def test_5xx_is_retried_for_a_get(client, router: Router):
    router.add("GET", "/api/v4/account", hal(502), hal(503, {"title": "x"}), hal(200, ACCOUNT))
    assert (await client.get_account()).id == 1
    assert len(router.requests) == 3


async def test_5xx_forever_on_a_get_raises_server_error(client, router: Router):
    router.add("GET", "/api/v4/account", hal(500, {"title": "Internal Server Error"}))
    with pytest.raises(CrmServerError) as info:
        await client.get_account()
    assert info.value.status == 500
    assert len(router.requests) == 4


async def test_a_post_that_creates_is_not_retried_on_5xx(client, router: Router):
    router.add("POST", "/api/v4/leads", hal(504), hal(200, {"_embedded": {"leads": [{"id": 7}]}}))
    with pytest.raises(CrmServerError):
        await client.create_deal(NewDeal(name="x", pipeline_id=10))
    assert len(router.requests) == 1


async def test_a_post_that_creates_is_not_retried_on_a_read_timeout(client, router: Router):
    router.add("POST", "/api/v4/tasks", raising(httpx.ReadTimeout))
    task = NewTask(text="call", complete_till=datetime(2026, 3, 3, tzinfo=UTC), entity_id=5)
    with pytest.raises(CrmTimeout):
        await client.create_task(task)
    assert len(router.requests) == 1


async def test_a_post_is_retried_when_the_connection_never_opened(client, router: Router):
    router.add(
        "POST",
        "/api/v4/leads",
        raising(httpx.ConnectError),
        hal(200, {"_embedded": {"leads": [{"id": 8}]}}),
    )
    assert await client.create_deal(NewDeal(name="x", pipeline_id=10)) == 8
    assert len(router.requests) == 2


async def test_an_absolute_patch_is_retried_on_5xx(client, router: Router):
    router.add("PATCH", "/api/v4/leads/5", hal(503), hal(200, {"id": 5, "updated_at": 1}))
    await client.update_deal(5, DealPatch(status_id=142))
    assert len(router.requests) == 2


async def test_a_get_is_retried_on_timeouts_then_raises_timeout(client, router: Router):
    router.add("GET", "/api/v4/account", raising(httpx.ReadTimeout))
    with pytest.raises(CrmTimeout):
        await client.get_account()
    assert len(router.requests) == 4


async def test_connection_errors_map_to_crm_connection_error(client, router: Router):
    router.add("GET", "/api/v4/account", raising(httpx.ConnectError))
    with pytest.raises(CrmConnectionError) as info:
        await client.get_account()
    assert not isinstance(info.value, CrmTimeout)


@pytest.mark.parametrize(("status", "error"), [(402, CrmPaymentRequired), (403, CrmForbidden)])
async def test_4xx_answers_are_typed_and_not_retried(client, router: Router, status, error):
    router.add("GET", "/api/v4/account", hal(status, {"title": "No", "detail": "blocked"}))
    with pytest.raises(error) as info:
        await client.get_account()
    assert "blocked" in str(info.value)
    assert len(router.requests) == 1


async def test_total_delay_is_bounded(make_client, router: Router, clock: FakeClock):
    policy = RetryPolicy(
        max_attempts=10, base_delay=1.0, max_total_delay=2.5, rng=random.Random(1)
    )
    client = make_client(retry_policy=policy)
    router.add("GET", "/api/v4/account", hal(503))
    with pytest.raises(CrmServerError):
        await client.get_account()
    assert len(router.requests) < 10
    assert sum(s for s in clock.sleeps) <= 2.5 + 1.0  # backoff waits + limiter spacing


async def test_max_attempts_is_configurable(make_client, router: Router):
    client = make_client(max_attempts=2)
    router.add("GET", "/api/v4/account", hal(500))
    with pytest.raises(CrmServerError):
        await client.get_account()
    assert len(router.requests) == 2


def test_backoff_grows_and_stays_within_bounds():
    policy = RetryPolicy(base_delay=0.5, max_delay=4.0, rng=random.Random(3))
    for attempt, ceiling in [(1, 0.5), (2, 1.0), (3, 2.0), (4, 4.0), (9, 4.0)]:
        delays = [policy.backoff(attempt) for _ in range(50)]
        assert all(ceiling / 2 <= d <= ceiling for d in delays)
        assert len(set(delays)) > 1  # jittered
