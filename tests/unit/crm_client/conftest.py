"""Fixtures for the amoCRM adapter tests (doubles in amocrm_fakes.py)."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from nextstep.crm_client.amocrm import AmoCrmClient, RetryPolicy
from tests.unit.crm_client.amocrm_fakes import BASE_URL, FakeClock, Router


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def router(clock: FakeClock) -> Router:
    return Router(clock)


@pytest.fixture
async def make_client(
    router: Router, clock: FakeClock
) -> AsyncIterator[Callable[..., AmoCrmClient]]:
    made: list[AmoCrmClient] = []

    def factory(**kwargs: Any) -> AmoCrmClient:
        if "oauth" not in kwargs:
            kwargs.setdefault("token", SecretStr("long-lived-secret"))
        if "retry_policy" not in kwargs:
            attempts = kwargs.pop("max_attempts", 4)
            kwargs["retry_policy"] = RetryPolicy(max_attempts=attempts, rng=random.Random(7))
        client = AmoCrmClient(
            BASE_URL, transport=httpx.MockTransport(router), clock=clock, **kwargs
        )
        made.append(client)
        return client

    yield factory
    for client in made:
        await client.aclose()
    assert not router.unexpected, router.unexpected


@pytest.fixture
def client(make_client: Callable[..., AmoCrmClient]) -> AmoCrmClient:
    return make_client()
