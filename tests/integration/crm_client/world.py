"""Plumbing shared by the client-against-sandbox tests: one clock both sides read, a client
factory, a local webhook receiver, and lookups of seeded leads that fit a scenario."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from aiohttp import web
from pydantic import SecretStr

from nextstep.crm_client.amocrm import AmoCrmClient, RetryPolicy
from nextstep.sandbox.crm import CrmSandbox, CrmState, Lead
from nextstep.sandbox.crm.seed import DESIGN_PIPELINE_ID, FIELD_PROJECT_URL_ID, status_id_of

#: 2026-03-02 09:00 Moscow: every seeded date is relative to it.
NOW = 1_772_431_200
#: "Дизайн-проект готов": the design stage that requires the PROJECT_URL field.
READY_STAGE_ID = status_id_of(DESIGN_PIPELINE_ID, 5)


class SharedClock:
    """Wall time that the sandbox (`CrmState(clock=...)`) and the client (`clock=...`) both
    read, so token expiry can be stepped over without waiting. Monotonic time and sleeps stay
    real: the rate limits and backoffs under test run on them."""

    def __init__(self, wall: float = NOW) -> None:
        self.wall = wall

    def __call__(self) -> float:
        return self.wall

    def advance(self, seconds: float) -> None:
        self.wall += seconds

    def monotonic(self) -> float:
        return time.monotonic()

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.wall, UTC)

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(max(0.0, seconds))


def fast_retries(max_attempts: int = 4) -> RetryPolicy:
    """Backoff in milliseconds: the retry decisions are under test, not the waiting."""
    return RetryPolicy(max_attempts=max_attempts, base_delay=0.01, max_delay=0.05)


def make_client(sb: CrmSandbox, clock: SharedClock, **options: Any) -> AmoCrmClient:
    """The real client on the sandbox's long-lived token; no pacing unless asked for."""
    options.setdefault("rate_limit", 1000.0)
    options.setdefault("retry_policy", fast_retries())
    return AmoCrmClient(sb.base_url, token=SecretStr(sb.token), clock=clock, **options)


def open_design_lead_without_link(state: CrmState) -> Lead:
    """An open design lead before the "ready" stage, with no project link yet."""
    for lead in sorted(state.leads.values(), key=lambda x: x.id):
        if (
            lead.pipeline_id == DESIGN_PIPELINE_ID
            and not lead.is_deleted
            and status_id_of(DESIGN_PIPELINE_ID, 1) <= lead.status_id < READY_STAGE_ID
            and FIELD_PROJECT_URL_ID not in lead.custom_fields
        ):
            return lead
    raise AssertionError("the seed has no open design lead without a project link")


def open_task_id(state: CrmState) -> int:
    """The lowest-numbered open task on a lead."""
    return min(
        t.id
        for t in state.tasks.values()
        if not t.is_completed and t.entity_type == "leads" and t.entity_id in state.leads
    )


@dataclass
class Receiver:
    """A local webhook endpoint: the raw bodies and content types it got, in order."""

    url: str = ""
    bodies: list[str] = field(default_factory=list)
    content_types: list[str] = field(default_factory=list)


@asynccontextmanager
async def run_receiver() -> AsyncIterator[Receiver]:
    got = Receiver()

    async def hook(request: web.Request) -> web.Response:
        got.bodies.append(await request.text())
        got.content_types.append(request.headers.get("Content-Type", ""))
        return web.Response(text="ok")

    app = web.Application()
    app.router.add_post("/amocrm/webhook", hook)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    try:
        await web.TCPSite(runner, "127.0.0.1", 0).start()
        host, port = runner.addresses[0][:2]
        got.url = f"http://{host}:{port}/amocrm/webhook"
        yield got
    finally:
        await runner.cleanup()
