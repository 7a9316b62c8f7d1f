"""`nextstep playbook check FILE [--database-url URL]`: the playbook's roles against the team.

A playbook that hands the Money deal to `{role: accountant}` while nobody is paired as an
accountant is valid (the seller keeps the deal), but the head should know before switching it
on: `check` then prints one warning per such role, with the command that fixes it, and still
exits 0. Lives outside the (pure) playbook package because it reads the staff table; wraps the
`check` leaf registered by `nextstep.bot.playbook.cli`.
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Callable
from pathlib import Path

from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from nextstep.bot.config import Settings
from nextstep.bot.playbook.loader import PlaybookError, load_playbook
from nextstep.bot.playbook.sections.roles import playbook_roles
from nextstep.bot.storage import Database, Repositories


def has_database(url: str) -> bool:
    """A SQLite file that does not exist is no database (and asking would create it)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return True
    path = parsed.database or ""
    return path not in ("", ":memory:") and Path(path).exists()


async def staffed_roles(url: str) -> set[str] | None:
    """The roles someone is paired with; None when the database cannot be read."""
    db = Database(url)
    try:
        async with db.transaction() as session:
            rows = await Repositories(session).staff.list()
            return {r.role for r in rows if r.telegram_id is not None}
    except (SQLAlchemyError, OSError):
        return None
    finally:
        await db.dispose()


def role_warnings(file: Path, url: str) -> list[str]:
    try:
        roles = playbook_roles(load_playbook(file))
    except PlaybookError:
        return []  # `check` itself reported it
    if not roles:
        return []
    staffed = asyncio.run(staffed_roles(url)) if has_database(url) else None
    if staffed is None:
        shown = make_url(url).render_as_string(hide_password=True)
        return [f"note: staff roles not checked (no bot database at {shown})"]
    return [
        f"warning: nobody is paired as {role!r}; the playbook hands work to it "
        f"(nextstep staff invite --crm-user ID --role {role})"
        for role in roles
        if role not in staffed
    ]


def _wrap(check: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    def run(args: argparse.Namespace) -> int:
        code = check(args)
        if code == 0:
            url = args.database_url or Settings().database_url
            for line in role_warnings(Path(args.file), url):
                print(line)
        return code

    return run


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Adds `--database-url` to `playbook check` (registered before this module)."""
    playbook = sub.choices.get("playbook")
    if playbook is None:
        raise RuntimeError("register nextstep.bot.playbook.cli before this module")
    for action in playbook._actions:
        if isinstance(action, argparse._SubParsersAction) and "check" in action.choices:
            check = action.choices["check"]
            check.add_argument(
                "--database-url",
                help="the bot's database, to warn about playbook roles nobody has "
                "(default: DATABASE_URL from the settings)",
            )
            check.set_defaults(func=_wrap(check.get_default("func")))
            return
    raise RuntimeError("the playbook command has no `check`")
