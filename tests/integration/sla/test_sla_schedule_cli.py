"""`nextstep staff schedule` stores a weekly or a 2/2 schedule the sweep then works with."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

import pytest

from nextstep.bot.cli import main
from nextstep.bot.services.staff import add_staff
from nextstep.bot.storage import Database, Repositories
from tests.integration.sla.conftest import T0


@pytest.fixture
def db_url(sla_template: Path, tmp_path: Path) -> str:
    shutil.copyfile(sla_template, tmp_path / "cli.db")
    url = f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}"

    async def pair() -> None:
        db = Database(url)
        await add_staff(db, telegram_id=77, crm_user_id=4501, role="manager", now=T0)
        await db.dispose()

    asyncio.run(pair())
    return url


def stored(url: str) -> dict[str, object] | None:
    async def read() -> dict[str, object] | None:
        db = Database(url)
        async with db.transaction() as session:
            repos = Repositories(session)
            staff = await repos.staff.by_crm_user_id(4501)
            assert staff is not None
            spec = await repos.schedules.get(staff.id)
        await db.dispose()
        return spec

    return asyncio.run(read())


def test_weekly_and_cycle_schedules_from_the_shell(
    db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["staff", "schedule", "--crm-user", "4501", "--database-url", db_url]
    assert main([*args, "--weekly", "mon-fri 09:00-18:00", "--weekly", "sat 10-14"]) == 0
    assert "mon-fri 09:00-18:00, sat 10:00-14:00 (Europe/Moscow)" in capsys.readouterr().out
    assert main([*args, "--cycle", "2/2", "--anchor", "2026-03-02", "--hours", "10:00-22:00",
                 "--tz", "Asia/Yekaterinburg", "--days-off", "2026-05-04"]) == 0  # fmt: skip
    out = capsys.readouterr().out
    assert "2/2 from 2026-03-02 10:00-22:00 (Asia/Yekaterinburg); off: 2026-05-04" in out
    spec = stored(db_url)
    assert spec is not None
    assert spec["timezone"] == "Asia/Yekaterinburg"


def test_a_bad_schedule_is_refused_plainly(
    db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["staff", "schedule", "--crm-user", "4501", "--database-url", db_url]
    assert main([*args, "--weekly", "someday 09:00-18:00"]) == 1
    assert "unknown weekday" in capsys.readouterr().out
    assert main([*args, "--cycle", "2/2"]) == 1
    assert "--anchor" in capsys.readouterr().out
    assert stored(db_url) is None


def test_days_off_held_are_kept_unless_given(
    db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """Days off set from the chat (a spec with only `days_off`) survive a new pattern from the
    shell; `--days-off` alone clears them."""
    args = ["staff", "schedule", "--crm-user", "4501", "--database-url", db_url]
    assert main([*args, "--weekly", "mon-fri 09:00-18:00", "--days-off", "2026-05-04"]) == 0
    assert main([*args, "--weekly", "mon-sat 10:00-19:00"]) == 0
    assert "off: 2026-05-04" in capsys.readouterr().out
    assert main([*args, "--weekly", "mon-sat 10:00-19:00", "--days-off"]) == 0
    spec = stored(db_url)
    assert spec is not None
    assert spec["days_off"] == []
