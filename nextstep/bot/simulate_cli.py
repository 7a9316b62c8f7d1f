"""`nextstep playbook simulate FILE --since 7d [--crm-url URL --token T]`: a dry run.

Reads the account's recent events and the deals they touch (read-only), replays them through
the playbook (`nextstep.bot.playbook.simulate`) and prints what it would have done and how
often. Registered under the `playbook` command, beside `check`; lives outside the playbook
package because it talks to the CRM.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from datetime import UTC, datetime

from nextstep.bot.config import Settings
from nextstep.bot.crm_factory import CrmConfigError, account_key, build_crm_client
from nextstep.bot.playbook.durations import parse_duration
from nextstep.bot.playbook.loader import PlaybookError, load_playbook
from nextstep.bot.playbook.resolve import PlaybookResolveError, resolve
from nextstep.bot.playbook.simulate import format_report, simulate
from nextstep.crm_client.errors import CrmError
from nextstep.crm_client.models import CrmEventType, Deal, Task
from nextstep.crm_client.protocol import CrmClient
from nextstep.crm_client.tokens import TokenStore

EVENT_TYPES = ("lead_added", "lead_status_changed", "task_completed")


async def replay(crm: CrmClient, args: argparse.Namespace) -> str:
    playbook = load_playbook(args.file)
    rp = resolve(playbook, await crm.list_pipelines(), await crm.list_loss_reasons())
    until = datetime.now(UTC)
    since = until - parse_duration(args.since)
    account = await crm.get_account()
    events = [e async for e in crm.iter_events(types=EVENT_TYPES, created_from=since)]
    deals: dict[int, Deal] = {}
    tasks: dict[int, Task] = {}
    for event in events:
        if event.type is CrmEventType.TASK_COMPLETED and event.entity_id not in tasks:
            task = await crm.get_task(event.entity_id)
            if task is not None:
                tasks[task.id] = task
    lead_ids = {e.entity_id for e in events if e.entity in ("lead", "leads")}
    lead_ids |= {t.entity_id for t in tasks.values() if t.entity_id is not None}
    for deal_id in sorted(lead_ids)[: args.max_deals]:
        deal = await crm.get_deal(deal_id, with_contacts=True)
        if deal is not None:
            deals[deal.id] = deal
    report = simulate(
        events, deals, rp, since=since, until=until, tasks=tasks, timezone=account.timezone
    )
    return format_report(report)


async def _main(args: argparse.Namespace) -> int:
    settings = Settings()
    store: TokenStore | None = None
    db = None
    if not args.token and not (
        settings.amocrm_long_lived_token and settings.amocrm_long_lived_token.get_secret_value()
    ):
        from nextstep.bot.storage import Database, DbTokenStore

        db = Database(settings.database_url)
        store = DbTokenStore(db.sessionmaker, account_key(settings))
    try:
        crm = build_crm_client(settings, store, base_url=args.crm_url, token=args.token)
    except CrmConfigError as exc:
        print(exc, file=sys.stderr)
        return 2
    try:
        async with crm:
            print(await replay(crm, args))
    except (PlaybookError, PlaybookResolveError) as exc:
        print(exc, file=sys.stderr)
        return 1
    except CrmError as exc:
        print(f"The CRM refused: {exc}", file=sys.stderr)
        return 1
    finally:
        if db is not None:
            await db.dispose()
    return 0


def cmd_simulate(args: argparse.Namespace) -> int:
    try:
        parse_duration(args.since)
    except ValueError as exc:
        print(f"--since: {exc}", file=sys.stderr)
        return 2
    return asyncio.run(_main(args))


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "simulate",
        help="replay the CRM's recent events through a playbook, writing nothing",
        description="Dry run: what the playbook would have done (tasks, cards, hand-offs, "
        "linked deals, reminders, escalations) on the account's recent events, and how often.",
    )
    parser.add_argument("file", help="path to the playbook YAML")
    parser.add_argument("--since", default="7d", help="how far back to replay (default 7d)")
    parser.add_argument("--crm-url", help="account address (default: AMOCRM_BASE_URL)")
    parser.add_argument("--token", help="long-lived token (default: AMOCRM_LONG_LIVED_TOKEN)")
    parser.add_argument(
        "--max-deals", type=int, default=2000, help="read at most this many deals (default 2000)"
    )
    parser.set_defaults(func=cmd_simulate)


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Adds `simulate` under the `playbook` command (registered before this module)."""
    playbook = sub.choices.get("playbook")
    if playbook is None:
        raise RuntimeError("register nextstep.bot.playbook.cli before nextstep.bot.simulate_cli")
    for action in playbook._actions:
        if isinstance(action, argparse._SubParsersAction):
            add_parser(action)
            return
    raise RuntimeError("the playbook command has no sub-commands")
