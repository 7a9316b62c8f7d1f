"""Full CRM sync against a 10,000-deal sandbox account that enforces amoCRM's 7 requests/s.

Prints how long the sync took, how many requests the client sent, the rate it sustained against
the 7/s limit (target: at least 6.5/s) and how many 429s it got (target: none). Request arrival
times are taken on the server side by a middleware, so the rate is what the CRM saw.

    .venv/bin/python benchmarks/crm_sync.py [--deals 10000] [--rate 7]
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import tempfile
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from multiprocessing.connection import Connection
from pathlib import Path

import httpx
from aiohttp import web
from pydantic import SecretStr
from sqlalchemy import func, select

from nextstep.bot.storage import Database, upgrade
from nextstep.bot.storage.models import CrmDeal, CrmTask
from nextstep.bot.sync import sync_crm
from nextstep.crm_client.amocrm import AmoCrmClient
from nextstep.sandbox.crm.app import create_crm_app
from nextstep.sandbox.crm.auth import DEFAULT_TOKEN
from nextstep.sandbox.crm.context import CONTEXT
from nextstep.sandbox.crm.seed import seed_design_studio
from nextstep.sandbox.crm.state import CrmState

TARGET_RATE = 6.5
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def serve_sandbox(deals: int, conn: Connection) -> None:
    """The sandbox in its own process, as a real CRM is another machine: its JSON work must not
    compete with the client for the GIL, or the benchmark measures the sandbox.

    Sends (host, port, seed summary), waits for "stop", sends back arrival times and 429s."""
    asyncio.run(_serve(deals, conn))


async def _serve(deals: int, conn: Connection) -> None:
    state = CrmState()
    started = time.perf_counter()
    seed_design_studio(state, deals=deals)
    seeded_in = time.perf_counter() - started
    summary = (
        len(state.leads),
        sum(1 for t in state.tasks.values() if not t.is_completed),
        sum(1 for e in state.events if e.type == "lead_status_changed"),
        seeded_in,
    )
    app = create_crm_app(state, tokens={DEFAULT_TOKEN}, rate_limit=7.0)
    arrivals: list[float] = []

    @web.middleware
    async def clock_in(request: web.Request, handler: Handler) -> web.StreamResponse:
        arrivals.append(time.monotonic())  # CLOCK_MONOTONIC: comparable across processes
        return await handler(request)

    app.middlewares.insert(0, clock_in)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    host, port = runner.addresses[0][:2]
    conn.send((host, port, summary))
    loop = asyncio.get_running_loop()
    await loop.run_in_executor(None, conn.recv)  # "stop"
    conn.send((arrivals, app[CONTEXT].limiter.rejected))
    await runner.cleanup()


def max_in_window(stamps: list[float], window: float = 1.0) -> int:
    """The most requests that arrived within any `window` seconds."""
    best, start = 0, 0
    for end, stamp in enumerate(stamps):
        while stamp - stamps[start] >= window:
            start += 1
        best = max(best, end - start + 1)
    return best


class CountingTransport(httpx.AsyncBaseTransport):
    """The real transport, counting requests per endpoint (which feed the requests went to)."""

    def __init__(self) -> None:
        self._inner = httpx.AsyncHTTPTransport()
        self.by_path: Counter[str] = Counter()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.by_path[request.url.path] += 1
        return await self._inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self._inner.aclose()


async def run(deals: int, rate: float) -> bool:
    parent, child = multiprocessing.Pipe()
    process = multiprocessing.get_context("spawn").Process(
        target=serve_sandbox, args=(deals, child), daemon=True
    )
    process.start()
    loop = asyncio.get_running_loop()
    host, port, (leads, open_tasks, status_events, seeded_in) = await loop.run_in_executor(
        None, parent.recv
    )
    print(
        f"sandbox: {leads} deals, {open_tasks} open tasks, "
        f"{status_events} status-change events (seeded in {seeded_in:.1f} s)"
    )

    transport = CountingTransport()
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}"
        await upgrade(url)
        db = Database(url)
        try:
            crm = AmoCrmClient(
                f"http://{host}:{port}",
                token=SecretStr(DEFAULT_TOKEN),
                rate_limit=rate,
                transport=transport,
            )
            async with crm:
                started = time.perf_counter()
                report = await sync_crm(crm, db, full=True, now=datetime.now(UTC))
                duration = time.perf_counter() - started
            async with db.session() as s:
                mirrored = await s.scalar(select(func.count()).select_from(CrmDeal))
                tasks = await s.scalar(select(func.count()).select_from(CrmTask))
        finally:
            await db.dispose()
            parent.send("stop")
            arrivals, rejected = await loop.run_in_executor(None, parent.recv)
            process.join(timeout=10)

    http_span = arrivals[-1] - arrivals[0] if len(arrivals) > 1 else 0.0
    achieved = (len(arrivals) - 1) / http_span if http_span > 0 else 0.0
    stats = crm.stats
    met = achieved >= TARGET_RATE and stats.responses_429 == 0
    feeds = ", ".join(f"{path} {n}" for path, n in transport.by_path.most_common())
    print()
    print(f"== full sync of a {leads}-deal sandbox account ==")
    print(
        f"  duration       {duration:7.1f} s   (HTTP phase {http_span:.1f} s, "
        f"local non-HTTP work {duration - http_span:.1f} s)"
    )
    print(
        f"  requests       {stats.requests:7d}     (server saw {len(arrivals)}; "
        f"{stats.retries} retries)  by endpoint: {feeds}"
    )
    print(
        f"  rate           {achieved:7.2f} req/s against the 7/s limit ({achieved / 7.0:.0%}; "
        f"client limiter {rate:g}/s); busiest 1-s window at the server: "
        f"{max_in_window(arrivals)}   [target ≥ {TARGET_RATE}]"
    )
    print(
        f"  429s           {stats.responses_429:7d}     (sandbox rejected {rejected})   [target 0]"
    )
    print(
        f"  mirrored       {mirrored:7d} deals, {tasks} open tasks; "
        f"{report.events} status-change events read"
    )
    print(f"  target         {'MET' if met else 'NOT MET'}")
    return met


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--deals", type=int, default=10_000)
    parser.add_argument("--rate", type=float, default=7.0, help="the client's limiter (req/s)")
    args = parser.parse_args()
    asyncio.run(run(args.deals, args.rate))  # prints figures; a miss is a finding, not a crash


if __name__ == "__main__":
    main()
