"""0003: a playbook role (accountant) can be stored once migrated; going back to 0002 keeps the
rows (as managers) and the old four-role check holds again."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from nextstep.bot.storage import create_engine, current, downgrade, upgrade

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
INSERT = text(
    "INSERT INTO staff (crm_user_id, telegram_id, name, role, locale, is_reachable, created_at) "
    "VALUES (:crm, :tg, :name, :role, 'ru', true, :now)"
)


async def _insert(url: str, crm: int, role: str) -> None:
    engine = create_engine(url)
    try:
        async with engine.begin() as conn:
            params = {"crm": crm, "tg": crm + 1000, "name": f"#{crm}", "role": role, "now": NOW}
            await conn.execute(INSERT, params)
    finally:
        await engine.dispose()


async def _roles(url: str) -> dict[int, str]:
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            rows = await conn.execute(text("SELECT crm_user_id, role FROM staff"))
            return {int(r[0]): str(r[1]) for r in rows}
    finally:
        await engine.dispose()


async def test_playbook_roles_up_and_down(
    db_backend: str, fresh_db_url: Callable[[str], str]
) -> None:
    url = fresh_db_url(db_backend)
    await upgrade(url, "0002")
    with pytest.raises(IntegrityError):
        await _insert(url, 1, "accountant")  # before 0003: only the four
    await _insert(url, 2, "manager")

    await upgrade(url, "0003")
    assert await current(url) == "0003"
    await _insert(url, 3, "accountant")
    await _insert(url, 4, "location_admin")
    with pytest.raises(IntegrityError):
        await _insert(url, 5, "")
    assert await _roles(url) == {2: "manager", 3: "accountant", 4: "location_admin"}

    await downgrade(url, "0002")
    assert await _roles(url) == {2: "manager", 3: "manager", 4: "manager"}
    with pytest.raises(IntegrityError):
        await _insert(url, 6, "trainer")

    await upgrade(url, "0003")
    await _insert(url, 6, "trainer")
    assert (await _roles(url))[6] == "trainer"
