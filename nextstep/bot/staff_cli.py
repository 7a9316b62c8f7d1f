"""`nextstep staff invite | add | list`: pairing people from the command line.

`invite` prints a one-time deep link (valid 7 days, single use); the bot's username comes from
TELEGRAM_BOT_USERNAME, else from Telegram (getMe with BOT_TOKEN). `--role` is one of the four
built-ins or a role the playbook names (PLAYBOOK_PATH, or `--playbook FILE`).
"""

from __future__ import annotations

import argparse
import asyncio
from datetime import UTC, datetime
from pathlib import Path

from nextstep.bot.config import Settings
from nextstep.bot.playbook.loader import PlaybookError, load_playbook
from nextstep.bot.playbook.sections.roles import known_roles
from nextstep.bot.services.pairing import create_invite, invite_link
from nextstep.bot.services.staff import StaffError, add_staff, check_role, list_staff
from nextstep.bot.storage import Database, upgrade


async def _bot_username(settings: Settings) -> str:
    if settings.telegram_bot_username:
        return settings.telegram_bot_username.lstrip("@")
    from aiogram import Bot
    from aiogram.client.session.aiohttp import AiohttpSession
    from aiogram.client.telegram import TelegramAPIServer

    session = AiohttpSession(api=TelegramAPIServer.from_base(settings.telegram_api_url))
    bot = Bot(settings.bot_token.get_secret_value(), session=session)
    try:
        return (await bot.me()).username or ""
    finally:
        await bot.session.close()


async def _with_db(settings: Settings) -> Database:
    await upgrade(settings.database_url)
    return Database(settings.database_url)


def _roles(args: argparse.Namespace, settings: Settings) -> tuple[str, ...]:
    """The built-ins and the playbook's roles (raises PlaybookError on a broken playbook)."""
    path: Path = args.playbook or settings.playbook_path
    return known_roles(load_playbook(path))


async def _invite(args: argparse.Namespace, settings: Settings) -> int:
    roles = _roles(args, settings)
    check_role(args.role, roles)  # before the database is touched
    db = await _with_db(settings)
    try:
        token = await create_invite(
            db,
            crm_user_id=args.crm_user,
            role=args.role,
            now=datetime.now(UTC),
            head_crm_user_id=args.head,
            roles=roles,
        )
    finally:
        await db.dispose()
    username = await _bot_username(settings)
    if not username:
        print("cannot tell the bot's username: set TELEGRAM_BOT_USERNAME or BOT_TOKEN")
        return 1
    print(invite_link(username, token))
    return 0


async def _add(args: argparse.Namespace, settings: Settings) -> int:
    roles = _roles(args, settings)
    check_role(args.role, roles)
    db = await _with_db(settings)
    try:
        staff = await add_staff(
            db,
            telegram_id=args.telegram_id,
            crm_user_id=args.crm_user,
            role=args.role,
            now=datetime.now(UTC),
            name=args.name,
            head_crm_user_id=args.head,
            locale=settings.default_locale,
            roles=roles,
        )
    finally:
        await db.dispose()
    print(f"paired #{staff.id}: telegram {staff.telegram_id} = CRM user {staff.crm_user_id}")
    return 0


async def _list(args: argparse.Namespace, settings: Settings) -> int:
    db = await _with_db(settings)
    try:
        people = await list_staff(db)
    finally:
        await db.dispose()
    if not people:
        print("no staff yet: `nextstep staff invite --crm-user ID --role ROLE`")
    for p in people:
        head = f" head={p.head_crm_user_id}" if p.head_crm_user_id else ""
        print(
            f"#{p.id} {p.role:<9} crm={p.crm_user_id} telegram={p.telegram_id or '-'} "
            f"lang={p.locale}{head} {p.name}"
        )
    return 0


def _run(args: argparse.Namespace) -> int:
    settings = Settings()
    if args.database_url:
        settings = settings.model_copy(update={"database_url": args.database_url})
    try:
        result: int = asyncio.run(args.action(args, settings))
    except (StaffError, PlaybookError) as exc:
        print(f"error: {exc}")
        return 1
    return result


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("staff", help="pair people with CRM users (invite links, roles)")
    commands = parser.add_subparsers(dest="staff_command", required=True)
    invite = commands.add_parser("invite", help="print a one-time link (7 days, single use)")
    add = commands.add_parser("add", help="pair a Telegram id with a CRM user directly")
    listing = commands.add_parser("list", help="who is paired, with which role")
    for leaf in (invite, add):
        leaf.add_argument("--crm-user", type=int, required=True, help="the CRM user id")
        leaf.add_argument(
            "--role",
            required=True,
            help="manager, head, estimator, admin, or a role the playbook names (accountant, ...)",
        )
        leaf.add_argument("--playbook", type=Path, help="default: PLAYBOOK_PATH from the settings")
        leaf.add_argument("--head", type=int, help="CRM user id of the person's head of sales")
    add.add_argument("--telegram-id", type=int, required=True)
    add.add_argument("--name", default="", help="how the bot greets the person")
    for leaf, action in ((invite, _invite), (add, _add), (listing, _list)):
        leaf.add_argument("--database-url", help="default: DATABASE_URL from the settings")
        leaf.set_defaults(func=_run, action=action)
