"""Retries over real HTTP: 429 bursts, injected 5xx on reads, and creates that are never
repeated (a repeated POST would create a second deal)."""

from __future__ import annotations

import asyncio

import pytest

from nextstep.crm_client.amocrm import AmoCrmClient, RetryPolicy
from nextstep.crm_client.errors import CrmServerError, CrmTimeout
from nextstep.crm_client.models import DealPatch, NewDeal
from nextstep.sandbox.crm import CrmSandbox, CrmState, Fault, SeedInfo, run_crm_sandbox
from tests.integration.crm_client.world import SharedClock, make_client


async def test_a_burst_over_the_server_limit_is_absorbed_by_429_retries(
    state: CrmState, seed: SeedInfo, clock: SharedClock
) -> None:
    deal_ids = sorted(state.leads)[:12]
    async with (
        run_crm_sandbox(state, rate_limit=3) as sb,
        # Paced above the server's limit (as when another process shares the token), with the
        # client's own default retry policy.
        make_client(sb, clock, rate_limit=20.0, retry_policy=RetryPolicy()) as client,
    ):
        deals = await asyncio.gather(*(client.get_deal(i, with_contacts=False) for i in deal_ids))
        limiter_rejections = sb.context.limiter.rejected
    assert [d.id for d in deals if d is not None] == deal_ids
    assert client.stats.responses_429 > 0
    assert client.stats.responses_429 == limiter_rejections
    assert client.stats.requests == len(deal_ids) + client.stats.responses_429


async def test_injected_503s_on_a_read_are_retried(
    sandbox: CrmSandbox, crm: AmoCrmClient, state: CrmState
) -> None:
    fault = Fault(status=503, times=2, path="/api/v4/leads*", method="GET")
    state.faults.append(fault)
    deal_id = min(state.leads)
    deal = await crm.get_deal(deal_id)
    assert deal is not None
    assert deal.id == deal_id
    assert fault.hits == 2
    assert crm.stats.retries == 2
    assert crm.stats.requests == 3


async def test_a_read_that_keeps_failing_gives_up_with_the_server_error(
    sandbox: CrmSandbox, crm: AmoCrmClient, state: CrmState
) -> None:
    state.faults.append(Fault(status=503, times=10, path="/api/v4/leads*", method="GET"))
    with pytest.raises(CrmServerError) as caught:
        await crm.get_deal(min(state.leads))
    assert caught.value.status == 503
    assert crm.stats.requests == 4  # max_attempts


async def test_a_500_on_create_is_not_retried(
    sandbox: CrmSandbox, crm: AmoCrmClient, state: CrmState, seed: SeedInfo
) -> None:
    fault = Fault(status=500, path="/api/v4/leads", method="POST")
    state.faults.append(fault)
    leads_before = set(state.leads)
    with pytest.raises(CrmServerError):
        await crm.create_deal(NewDeal(name="Квартира на Лесной", pipeline_id=7001))
    assert fault.hits == 1
    assert crm.stats.requests == 1
    assert crm.stats.retries == 0
    assert set(state.leads) == leads_before


async def test_a_create_whose_answer_is_lost_lands_exactly_once(
    sandbox: CrmSandbox, crm: AmoCrmClient, state: CrmState
) -> None:
    state.faults.append(Fault(status=500, path="/api/v4/leads", method="POST", apply=True))
    leads_before = set(state.leads)
    with pytest.raises(CrmServerError):
        await crm.create_deal(NewDeal(name="Квартира на Лесной", pipeline_id=7001))
    new = [state.leads[i] for i in set(state.leads) - leads_before]
    assert [lead.name for lead in new] == ["Квартира на Лесной"]


async def test_a_patch_whose_answer_is_lost_is_retried_and_lands(
    sandbox: CrmSandbox, crm: AmoCrmClient, state: CrmState, seed: SeedInfo
) -> None:
    deal_id = min(state.leads)
    state.faults.append(Fault(status=502, path=f"/api/v4/leads/{deal_id}", method="PATCH"))
    await crm.update_deal(deal_id, DealPatch(price=123_000))
    assert state.leads[deal_id].price == 123_000
    assert crm.stats.retries == 1


async def test_a_slow_read_times_out_then_succeeds(
    sandbox: CrmSandbox, state: CrmState, clock: SharedClock
) -> None:
    state.faults.append(Fault(status=None, delay=1.0, path="/api/v4/account", method="GET"))
    async with make_client(sandbox, clock, timeout=0.2) as client:
        account = await client.get_account()
    assert account.id == state.account.id
    assert client.stats.retries == 1


async def test_a_slow_create_times_out_without_a_retry(
    sandbox: CrmSandbox, state: CrmState, clock: SharedClock
) -> None:
    state.faults.append(Fault(status=None, delay=1.0, path="/api/v4/leads", method="POST"))
    async with make_client(sandbox, clock, timeout=0.2) as client:
        with pytest.raises(CrmTimeout):
            await client.create_deal(NewDeal(name="Дом в Сосновке", pipeline_id=7001))
        assert client.stats.requests == 1
