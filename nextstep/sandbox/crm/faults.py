"""Fault injection: `state.faults` makes the next matching requests fail, over real HTTP.

    state.faults.append(Fault(status=503, times=2, path="/api/v4/leads*", method="GET"))
    state.faults.append(Fault(status=None, delay=5.0))            # a timeout for a 1 s client
    state.faults.append(Fault(status=500, method="PATCH", apply=True))  # applied, answer lost

A 429 fault answers plain text like the real limit; other statuses answer problem+json unless
`body` is given.
"""

from __future__ import annotations

import asyncio
from fnmatch import fnmatchcase

from aiohttp import web

from .hal import problem
from .ratelimit import too_many_requests
from .state import CrmState, Fault


def take_fault(state: CrmState, method: str, path: str) -> Fault | None:
    """The first queued fault matching this request, used up by one (removed at zero)."""
    for fault in state.faults:
        if fault.method is not None and fault.method.upper() != method.upper():
            continue
        if not fnmatchcase(path, fault.path):
            continue
        fault.hits += 1
        fault.times -= 1
        if fault.times <= 0:
            state.faults.remove(fault)
        return fault
    return None


async def delay(fault: Fault) -> None:
    if fault.delay > 0:
        await asyncio.sleep(fault.delay)


def fault_response(fault: Fault) -> web.Response:
    assert fault.status is not None
    if fault.body is not None:
        return web.Response(status=fault.status, text=fault.body, content_type="text/plain")
    if fault.status == 429:
        return too_many_requests()
    return problem(fault.status, "Injected fault", f"sandbox fault: HTTP {fault.status}")
