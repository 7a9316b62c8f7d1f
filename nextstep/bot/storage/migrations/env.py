"""Alembic environment for SQLite (aiosqlite) and PostgreSQL (asyncpg) alike.

From code (`nextstep db upgrade`, `nextstep run`) the connection arrives in
`config.attributes["connection"]`; from the `alembic` command (`-c` the packaged alembic.ini,
e.g. to autogenerate a revision) the URL comes from `-x url=...` or Settings().database_url.
"""

from __future__ import annotations

import asyncio
from typing import Any

from alembic import context
from alembic.autogenerate.api import AutogenContext
from sqlalchemy import Connection
from sqlalchemy.pool import NullPool

from nextstep.bot.storage import models  # noqa: F401  (importing registers every table)
from nextstep.bot.storage.base import Base, UtcDateTime
from nextstep.bot.storage.engine import create_engine

config = context.config
target_metadata = Base.metadata


def render_item(type_: str, obj: Any, autogen_context: AutogenContext) -> str | bool:
    """Migrations spell plain SQLAlchemy types, so they never import the app's type classes."""
    if type_ == "type" and isinstance(obj, UtcDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def _options() -> dict[str, Any]:
    return {
        "target_metadata": target_metadata,
        "render_as_batch": True,
        "render_item": render_item,
        "compare_type": True,
    }


def _url() -> str:
    url = context.get_x_argument(as_dictionary=True).get("url")
    if url:
        return url
    from nextstep.bot.config import Settings

    return Settings().database_url


def do_run_migrations(connection: Connection) -> None:
    context.configure(connection=connection, **_options())
    with context.begin_transaction():
        context.run_migrations()


async def _run_async(url: str) -> None:
    engine = create_engine(url, sqlite_foreign_keys=False, poolclass=NullPool)
    try:
        async with engine.connect() as connection:
            await connection.run_sync(do_run_migrations)
    finally:
        await engine.dispose()


def run() -> None:
    if context.is_offline_mode():
        context.configure(url=_url(), literal_binds=True, **_options())
        with context.begin_transaction():
            context.run_migrations()
        return
    connection = config.attributes.get("connection")
    if connection is None:
        asyncio.run(_run_async(_url()))
    else:
        do_run_migrations(connection)


run()
