"""The durable token store keeps the latest pair across restarts (new store, same database)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from nextstep.bot.storage import Database, DbTokenStore
from nextstep.crm_client.tokens import OAuthTokens, TokenStore


async def test_save_then_load_returns_the_latest_pair(db: Database) -> None:
    store: TokenStore = DbTokenStore(db.sessionmaker, "main")
    assert await store.load() is None
    expires = datetime(2026, 3, 6, 12, 0, tzinfo=timezone(timedelta(hours=3)))
    await store.save(OAuthTokens(access_token="a1", refresh_token="r1", expires_at=expires))
    rotated = OAuthTokens(access_token="a2", refresh_token="r2", expires_at=expires)
    await store.save(rotated)

    reopened = Database(db.url)
    try:
        loaded = await DbTokenStore(reopened.sessionmaker, "main").load()
        other = await DbTokenStore(reopened.sessionmaker, "second").load()
    finally:
        await reopened.dispose()
    assert loaded == rotated
    assert loaded is not None
    assert loaded.expires_at.tzinfo is UTC
    assert other is None
    assert "a2" not in repr(store)
