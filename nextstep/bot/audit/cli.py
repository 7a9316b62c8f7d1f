"""`nextstep audit [--stuck-days 30] [--crm-url URL --token T] [--top 10]`.

Works against any amoCRM/Kommo account, read-only: it is the first thing to run on a new
customer's account, before Nextstep changes anything there.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from datetime import UTC, datetime

from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TaskID, TextColumn, TimeElapsedColumn

from nextstep.bot.audit.compute import DEFAULT_STUCK_DAYS, AuditReport, compute_audit
from nextstep.bot.audit.reader import STEPS, AuditData, read_audit_data
from nextstep.bot.audit.render import print_report
from nextstep.bot.config import Settings
from nextstep.bot.crm_factory import CrmConfigError, account_key, build_crm_client
from nextstep.crm_client.errors import CrmError
from nextstep.crm_client.protocol import CrmClient
from nextstep.crm_client.tokens import TokenStore


async def read_with_progress(crm: CrmClient, console: Console) -> AuditData:
    """Reads the account while a progress display counts what has arrived per step."""
    with Progress(
        SpinnerColumn(finished_text="✓"),
        TextColumn("[bold]{task.description}"),
        TextColumn("{task.completed:>7.0f}"),
        TimeElapsedColumn(),
        console=console,
        transient=False,
    ) as progress:
        tasks: dict[str, TaskID] = {
            step: progress.add_task(step, total=None, start=False) for step in STEPS
        }

        def on_progress(step: str, count: int) -> None:
            task = tasks[step]
            progress.start_task(task)
            progress.update(task, completed=count)

        data = await read_audit_data(crm, on_progress=on_progress)
        for task in tasks.values():
            progress.update(task, total=progress.tasks[task].completed)  # marks it finished
    return data


async def run_audit(
    crm: CrmClient, *, stuck_days: int, console: Console, top: int = 10
) -> AuditReport:
    data = await read_with_progress(crm, console)
    now = datetime.now(UTC)
    report = compute_audit(
        data.users, data.pipelines, data.deals, data.tasks, data.status_events, now, stuck_days
    )
    account = data.account
    title = f"Audit of {account.name} ({account.subdomain})" if account else "Audit"
    print_report(
        report,
        console,
        names={u.id: u.name for u in data.users},
        currency=account.currency if account else "",
        title=f"{title}, {now:%Y-%m-%d %H:%M} UTC",
        top=top,
    )
    return report


async def _main(args: argparse.Namespace) -> int:
    settings = Settings()
    console = Console()
    store: TokenStore | None = None
    db = None
    if not args.token and not (
        settings.amocrm_long_lived_token and settings.amocrm_long_lived_token.get_secret_value()
    ):
        # OAuth: the tokens live in the database the bot uses.
        from nextstep.bot.storage import Database, DbTokenStore

        db = Database(settings.database_url)
        store = DbTokenStore(db.sessionmaker, account_key(settings))
    try:
        crm = build_crm_client(settings, store, base_url=args.crm_url, token=args.token)
    except CrmConfigError as exc:
        console.print(f"[red]{exc}[/red]")
        return 2
    try:
        async with crm:
            await run_audit(crm, stuck_days=args.stuck_days, console=console, top=args.top)
    except CrmError as exc:
        console.print(f"[red]The CRM refused the audit: {exc}[/red]")
        return 1
    finally:
        if db is not None:
            await db.dispose()
    return 0


def cmd_audit(args: argparse.Namespace) -> int:
    if args.stuck_days < 1:
        print("--stuck-days must be at least 1", file=sys.stderr)
        return 2
    return asyncio.run(_main(args))


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser(
        "audit",
        help="audit a CRM account: deals without tasks, overdue, stuck, reopened",
        description="Read-only audit of an amoCRM/Kommo account, per manager and in total.",
    )
    parser.add_argument(
        "--stuck-days",
        type=int,
        default=DEFAULT_STUCK_DAYS,
        help=f"a deal on the same stage longer than this is stuck (default {DEFAULT_STUCK_DAYS})",
    )
    parser.add_argument("--crm-url", help="account address (default: AMOCRM_BASE_URL)")
    parser.add_argument("--token", help="long-lived token (default: AMOCRM_LONG_LIVED_TOKEN)")
    parser.add_argument("--top", type=int, default=10, help="cases listed per kind (default 10)")
    parser.set_defaults(func=cmd_audit)
