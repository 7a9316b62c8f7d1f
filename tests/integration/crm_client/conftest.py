"""Fixtures: a seeded sandbox CRM (500 deals, no request limit) and the real AmoCrmClient
talking to it over HTTP on the long-lived token."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from nextstep.crm_client.amocrm import AmoCrmClient
from nextstep.sandbox.crm import (
    CrmSandbox,
    CrmState,
    SeedInfo,
    run_crm_sandbox,
    seed_design_studio,
)
from tests.integration.crm_client.world import NOW, SharedClock, make_client


@pytest.fixture
def clock() -> SharedClock:
    return SharedClock()


@pytest.fixture
def state(clock: SharedClock) -> CrmState:
    return CrmState(clock=clock)


@pytest.fixture
def seed(state: CrmState) -> SeedInfo:
    return seed_design_studio(state, deals=500, now=NOW)


@pytest.fixture
async def sandbox(state: CrmState, seed: SeedInfo) -> AsyncIterator[CrmSandbox]:
    async with run_crm_sandbox(state, rate_limit=None) as sb:
        yield sb


@pytest.fixture
async def crm(sandbox: CrmSandbox, clock: SharedClock) -> AsyncIterator[AmoCrmClient]:
    async with make_client(sandbox, clock) as client:
        yield client
