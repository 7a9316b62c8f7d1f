"""`nextstep crm sync [--full] [--crm-url URL --token T] [--db URL]`: fill the local mirror.

The first run is a full one; later runs read only what changed since the checkpoint. Running it
twice in a row prints "0 changed": that is how an operator sees the mirror is up to date.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from datetime import UTC, datetime

from nextstep.bot.config import Settings
from nextstep.bot.crm_factory import (
    CrmConfigError,
    account_key,
    authorize_if_needed,
    build_crm_client,
)
from nextstep.bot.storage import Database, DbTokenStore, upgrade
from nextstep.bot.sync.engine import sync_crm
from nextstep.bot.sync.report import SyncReport
from nextstep.crm_client.errors import CrmError


def format_report(report: SyncReport) -> str:
    kind = "Full" if report.full else "Incremental"
    lines = [f"{kind} sync: {report.changed} changed"]
    for name, counts in (
        ("users", report.users),
        ("pipelines", report.pipelines),
        ("deals", report.deals),
        ("tasks", report.tasks),
    ):
        lines.append(
            f"  {name:<10} fetched {counts.fetched:>6}  new {counts.inserted:>6}  "
            f"updated {counts.updated:>6}  unchanged {counts.unchanged:>6}"
        )
    lines.append(f"  events     {report.events:>6} read")
    lines.append(f"  requests   {report.requests:>6} sent")
    if report.lead_filters is not None:
        state = (
            "honoured" if report.lead_filters else "ignored by this account (walked newest-first)"
        )
        lines.append(f"  lead filters {state}")
    return "\n".join(lines)


async def _main(args: argparse.Namespace) -> int:
    settings = Settings()
    url = args.db or settings.database_url
    await upgrade(url)
    db = Database(url)
    try:
        store = DbTokenStore(db.sessionmaker, account_key(settings))
        try:
            crm = build_crm_client(settings, store, base_url=args.crm_url, token=args.token)
        except CrmConfigError as exc:
            print(exc, file=sys.stderr)
            return 2
        async with crm:
            try:
                await authorize_if_needed(crm, settings, store)
                report = await sync_crm(crm, db, full=args.full, now=datetime.now(UTC))
            except CrmError as exc:
                print(f"The CRM refused the sync: {exc}", file=sys.stderr)
                return 1
    finally:
        await db.dispose()
    print(format_report(report))
    return 0


def cmd_sync(args: argparse.Namespace) -> int:
    return asyncio.run(_main(args))


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("crm", help="work with the CRM account (mirror sync)")
    commands = parser.add_subparsers(dest="crm_command", required=True)
    sync = commands.add_parser(
        "sync", help="fill the local mirror: users, pipelines, deals, open tasks"
    )
    sync.add_argument("--full", action="store_true", help="re-read everything, not only changes")
    sync.add_argument("--crm-url", help="account address (default: AMOCRM_BASE_URL)")
    sync.add_argument("--token", help="long-lived token (default: AMOCRM_LONG_LIVED_TOKEN)")
    sync.add_argument("--db", help="database URL (default: DATABASE_URL)")
    sync.set_defaults(func=cmd_sync)
