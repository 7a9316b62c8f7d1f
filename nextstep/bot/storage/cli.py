"""`nextstep db upgrade [REV] | downgrade REV | current [--url URL]`."""

from __future__ import annotations

import argparse
import asyncio

from nextstep.bot.storage.migrate import current, downgrade, head, upgrade


def _url(args: argparse.Namespace) -> str:
    if args.url:
        return str(args.url)
    from nextstep.bot.config import Settings

    return Settings().database_url


def cmd_upgrade(args: argparse.Namespace) -> int:
    asyncio.run(upgrade(_url(args), args.revision))
    print(f"database at {asyncio.run(current(_url(args)))}")
    return 0


def cmd_downgrade(args: argparse.Namespace) -> int:
    asyncio.run(downgrade(_url(args), args.revision))
    print(f"database at {asyncio.run(current(_url(args))) or 'base (empty)'}")
    return 0


def cmd_current(args: argparse.Namespace) -> int:
    revision = asyncio.run(current(_url(args)))
    latest = head()
    state = "up to date" if revision == latest else f"behind: run `nextstep db upgrade` ({latest})"
    print(f"{revision or 'base (empty)'}: {state}")
    return 0


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("db", help="database migrations")
    commands = parser.add_subparsers(dest="db_command", required=True)
    up = commands.add_parser("upgrade", help="apply migrations (to head by default)")
    up.add_argument("revision", nargs="?", default="head")
    up.set_defaults(func=cmd_upgrade)
    down = commands.add_parser("downgrade", help="revert migrations down to REV ('base': all)")
    down.add_argument("revision")
    down.set_defaults(func=cmd_downgrade)
    cur = commands.add_parser("current", help="show the revision the database is at")
    cur.set_defaults(func=cmd_current)
    for leaf in (up, down, cur):
        leaf.add_argument("--url", help="database URL (default: DATABASE_URL from the settings)")
