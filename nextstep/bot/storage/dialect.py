"""The one place that knows SQLite from PostgreSQL: INSERT ... ON CONFLICT and row locking."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

Insert = sqlite.Insert | postgresql.Insert


def dialect_name(session: AsyncSession) -> str:
    return session.get_bind().dialect.name


def insert(session: AsyncSession, table: Any) -> Insert:
    """`INSERT` with `on_conflict_do_update/nothing` for the session's backend."""
    name = dialect_name(session)
    if name == "sqlite":
        return sqlite.insert(table)
    if name == "postgresql":
        return postgresql.insert(table)
    raise NotImplementedError(f"upserts are written for sqlite and postgresql, not {name}")


def skip_locked(session: AsyncSession, select: Select[Any]) -> Select[Any]:
    """`FOR UPDATE SKIP LOCKED` where it exists; SQLite needs none (BEGIN IMMEDIATE serializes)."""
    if dialect_name(session) == "postgresql":
        return select.with_for_update(skip_locked=True)
    return select
