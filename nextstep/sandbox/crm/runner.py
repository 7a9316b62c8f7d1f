"""Run the sandbox CRM on 127.0.0.1 (a free port by default) for the length of a block.

async with run_crm_sandbox(state) as sb:
    httpx.get(f"{sb.base_url}/api/v4/account", headers=sb.headers)
    ...
    await sb.webhooks_idle()   # every webhook so far has been attempted
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from .app import SENDER, create_crm_app
from .auth import DEFAULT_TOKEN
from .context import CONTEXT, CrmContext
from .seed import seed_design_studio
from .state import CrmState


@dataclass
class CrmSandbox:
    """A running sandbox: where it listens, its state, and the token that always works."""

    base_url: str
    state: CrmState
    app: web.Application
    token: str = DEFAULT_TOKEN
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    @property
    def context(self) -> CrmContext:
        return self.app[CONTEXT]

    def set_webhook_url(self, url: str | None) -> None:
        """Point change webhooks somewhere else (None stops them)."""
        self.context.webhook_url = url
        self.app[SENDER].url = url

    async def webhooks_idle(self) -> None:
        """Wait until every webhook queued so far has been attempted (delivered or failed)."""
        await self.app[SENDER].drain()


@asynccontextmanager
async def run_crm_sandbox(
    state: CrmState | None = None,
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    token: str = DEFAULT_TOKEN,
    **app_options: Any,
) -> AsyncIterator[CrmSandbox]:
    """Serve `create_crm_app(state, **app_options)`; `state` None = the design studio seed.

    `token` is the long-lived token (added to `tokens` if those are given too).
    """
    if state is None:
        state = CrmState()
        seed_design_studio(state)
    tokens = set(app_options.pop("tokens", ())) | {token}
    app = create_crm_app(state, tokens=tokens, **app_options)
    runner = web.AppRunner(app, shutdown_timeout=1.0, access_log=None)
    await runner.setup()
    try:
        site = web.TCPSite(runner, host, port)
        await site.start()
        bound_host, bound_port = runner.addresses[0][:2]
        yield CrmSandbox(
            base_url=f"http://{bound_host}:{bound_port}", state=state, app=app, token=token
        )
    finally:
        await runner.cleanup()
