"""`nextstep sandbox`: serve the sandbox CRM alone (seeded) until Ctrl-C.

Handy for poking at the amoCRM-compatible API with curl, or for running the bot against it by
hand: point `AMOCRM_BASE_URL` at the printed URL and `AMOCRM_LONG_LIVED_TOKEN` at the token.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib

from nextstep.sandbox.crm import CrmState, run_crm_sandbox, seed_design_studio, seed_empty_stock
from nextstep.sandbox.crm.auth import DEFAULT_TOKEN


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser(
        "sandbox",
        help="serve the sandbox CRM (amoCRM API v4 subset) until Ctrl-C",
        description="Serve the sandbox CRM, seeded with the design studio account.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=int, default=8765, help="port (0 = any free port)")
    parser.add_argument("--deals", type=int, default=500, help="deals in the seed (default 500)")
    parser.add_argument("--seed", type=int, default=1, help="random seed of the data")
    parser.add_argument(
        "--stock", action="store_true", help="a fresh account with only the stock pipeline"
    )
    parser.add_argument("--webhook-url", default=None, help="where to POST change webhooks")
    parser.add_argument("--token", default=DEFAULT_TOKEN, help="the long-lived API token")
    parser.add_argument(
        "--rate-limit",
        type=float,
        default=7.0,
        help="requests per second per token before 429 (0 = unlimited)",
    )
    parser.add_argument(
        "--no-filters",
        action="store_true",
        help="ignore filter[...] on leads, like accounts without the API-filter add-on",
    )
    parser.set_defaults(func=serve)


async def _serve(args: argparse.Namespace) -> None:
    state = CrmState()
    if args.stock:
        seed_empty_stock(state)
    else:
        seed_design_studio(state, deals=args.deals, rng_seed=args.seed)
    async with run_crm_sandbox(
        state,
        host=args.host,
        port=args.port,
        token=args.token,
        rate_limit=args.rate_limit or None,
        webhook_url=args.webhook_url,
        filters_enabled=not args.no_filters,
    ) as sb:
        print(f"Sandbox CRM ({state.account.subdomain}) at {sb.base_url}", flush=True)
        print(f"Token: {sb.token}   (Authorization: Bearer {sb.token})", flush=True)
        print(
            f"{len(state.leads)} deals, {len(state.users)} users; "
            f"webhooks → {args.webhook_url or 'nowhere'}. Ctrl-C to stop.",
            flush=True,
        )
        await asyncio.Event().wait()


def serve(args: argparse.Namespace) -> int:
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(args))
    return 0
