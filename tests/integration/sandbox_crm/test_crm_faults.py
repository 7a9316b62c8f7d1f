"""Fault injection: the next matching requests fail as asked, so retries are testable."""

from __future__ import annotations

import httpx
import pytest

from nextstep.sandbox.crm import CrmSandbox, CrmState, Fault, SeedInfo


async def test_next_two_gets_fail_then_succeed(client: httpx.AsyncClient, state: CrmState) -> None:
    state.faults.append(Fault(status=503, times=2, path="/api/v4/leads*", method="GET"))
    codes = [
        (await client.get("/api/v4/leads", params={"limit": 1})).status_code for _ in range(3)
    ]
    assert codes == [503, 503, 200]
    assert (await client.get("/api/v4/account")).status_code == 200
    assert not state.faults


async def test_injected_429_is_plain_text(client: httpx.AsyncClient, state: CrmState) -> None:
    state.faults.append(Fault(status=429))
    response = await client.get("/api/v4/account")
    assert response.status_code == 429
    assert response.headers["Content-Type"].startswith("text/plain")


async def test_a_slow_answer_is_a_client_timeout(sandbox: CrmSandbox, state: CrmState) -> None:
    state.faults.append(Fault(status=None, delay=0.5))
    async with httpx.AsyncClient(
        base_url=sandbox.base_url, headers=sandbox.headers, timeout=0.1
    ) as impatient:
        with pytest.raises(httpx.ReadTimeout):
            await impatient.get("/api/v4/account")


async def test_applied_fault_loses_the_answer_but_not_the_write(
    client: httpx.AsyncClient, state: CrmState, seed: SeedInfo
) -> None:
    lead_id = min(state.leads)
    state.faults.append(Fault(status=500, method="PATCH", apply=True))
    response = await client.patch(f"/api/v4/leads/{lead_id}", json={"price": 12_345})
    assert response.status_code == 500
    assert state.leads[lead_id].price == 12_345


async def test_faults_can_be_queued_over_http(
    sandbox: CrmSandbox, client: httpx.AsyncClient
) -> None:
    async with httpx.AsyncClient(base_url=sandbox.base_url) as control:
        queued = await control.post(
            "/_sandbox/faults", json={"status": 502, "path": "/api/v4/tasks*"}
        )
        assert queued.status_code == 200
    assert (await client.get("/api/v4/tasks")).status_code == 502
    assert (await client.get("/api/v4/tasks")).status_code == 200
