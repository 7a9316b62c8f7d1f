"""Times come back aware and in UTC on every backend (SQLite alone would drop the zone)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import text
from sqlalchemy.exc import StatementError

from nextstep.bot.storage import Database, Repositories

MOSCOW = timezone(timedelta(hours=3))


async def test_aware_datetime_round_trips_as_utc(db: Database) -> None:
    due = datetime(2026, 3, 6, 10, 0, tzinfo=MOSCOW)
    async with db.transaction() as s:
        await Repositories(s).timers.schedule("take", "deal:1", due, now=due)
    async with db.session() as s:
        timer = await Repositories(s).timers.get("deal:1")
    assert timer is not None
    assert timer.due_at == due
    assert timer.due_at.tzinfo is UTC
    assert timer.due_at.hour == 7


async def test_database_holds_utc_wall_time(db: Database) -> None:
    """Other tools reading the database see UTC too (SQLite: the text; PostgreSQL: timestamptz)."""
    due = datetime(2026, 3, 6, 10, 0, tzinfo=MOSCOW)
    utc_text = {
        "sqlite": "SELECT due_at FROM timers",
        "postgresql": "SELECT to_char(due_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS') "
        "FROM timers",
    }[db.engine.dialect.name]
    async with db.transaction() as s:
        await Repositories(s).timers.schedule("take", "deal:1", due, now=due)
        stored = (await s.execute(text(utc_text))).scalar_one()
    assert str(stored).startswith("2026-03-06 07:00:00")


async def test_naive_datetime_is_refused(db: Database) -> None:
    with pytest.raises(StatementError, match="naive datetime"):
        async with db.transaction() as s:
            await Repositories(s).timers.schedule("take", "k", datetime(2026, 3, 6), now=_now())


def _now() -> datetime:
    return datetime(2026, 3, 6, tzinfo=UTC)
