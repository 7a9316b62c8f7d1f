"""Fixtures: a seeded sandbox CRM on a free port, an httpx client with the token, and a local
webhook receiver (a tiny aiohttp server) that keeps every body it gets."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from urllib.parse import parse_qsl

import httpx
import pytest
from aiohttp import web

from nextstep.sandbox.crm import (
    CrmSandbox,
    CrmState,
    SeedInfo,
    run_crm_sandbox,
    seed_design_studio,
)

#: 2026-03-02 09:00 Moscow: every seeded date is relative to it.
NOW = 1_772_431_200


class FrozenClock:
    """A clock tests can move: `clock.now += 3600`."""

    def __init__(self, now: float = NOW) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock()


@pytest.fixture
def state(clock: FrozenClock) -> CrmState:
    return CrmState(clock=clock)


@pytest.fixture
def seed(state: CrmState) -> SeedInfo:
    return seed_design_studio(state, deals=500, now=NOW)


@pytest.fixture
async def sandbox(state: CrmState, seed: SeedInfo) -> AsyncIterator[CrmSandbox]:
    async with run_crm_sandbox(state, rate_limit=None) as sb:
        yield sb


@pytest.fixture
async def client(sandbox: CrmSandbox) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=sandbox.base_url, headers=sandbox.headers) as c:
        yield c


@dataclass
class Receiver:
    """What the webhook receiver got: the raw bodies, their content types, parsed pairs."""

    url: str = ""
    bodies: list[str] = field(default_factory=list)
    content_types: list[str] = field(default_factory=list)
    status: int = 200
    arrived: asyncio.Event = field(default_factory=asyncio.Event)

    def forms(self) -> list[dict[str, str]]:
        return [dict(parse_qsl(body, keep_blank_values=True)) for body in self.bodies]

    def sections(self) -> list[str]:
        """`leads[status]`, `task[update]` ... one per body, in arrival order."""
        return [_section(form) for form in self.forms()]


def _section(form: dict[str, str]) -> str:
    key = next(k for k in form if not k.startswith("account["))
    first, second = key.split("[")[0], key.split("[")[1].rstrip("]")
    return f"{first}[{second}]"


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    got = Receiver()

    async def hook(request: web.Request) -> web.Response:
        got.bodies.append(await request.text())
        got.content_types.append(request.headers.get("Content-Type", ""))
        got.arrived.set()
        return web.Response(status=got.status, text="ok")

    app = web.Application()
    app.router.add_post("/hook", hook)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    host, port = runner.addresses[0][:2]
    got.url = f"http://{host}:{port}/hook"
    try:
        yield got
    finally:
        await runner.cleanup()
