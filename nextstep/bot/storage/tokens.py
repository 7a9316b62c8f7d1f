"""The durable TokenStore: amoCRM rotates the refresh token, so the new pair must be on disk
before the client uses it. Unlike the repositories it commits: `save` returning means durable."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from nextstep.bot.storage.dialect import insert
from nextstep.bot.storage.models import CrmToken
from nextstep.crm_client.tokens import OAuthTokens


class DbTokenStore:
    """Implements `nextstep.crm_client.tokens.TokenStore` for one CRM account."""

    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession], account: str) -> None:
        self._sessionmaker = sessionmaker
        self._account = account

    async def load(self) -> OAuthTokens | None:
        async with self._sessionmaker() as session:
            row = await session.get(CrmToken, self._account)
            if row is None:
                return None
            return OAuthTokens(
                access_token=row.access_token,
                refresh_token=row.refresh_token,
                expires_at=row.expires_at,
            )

    async def save(self, tokens: OAuthTokens) -> None:
        values = {
            "access_token": tokens.access_token,
            "refresh_token": tokens.refresh_token,
            "expires_at": tokens.expires_at,
            "updated_at": datetime.now(UTC),
        }
        async with self._sessionmaker() as session, session.begin():
            stmt = insert(session, CrmToken).values(account=self._account, **values)
            await session.execute(
                stmt.on_conflict_do_update(index_elements=["account"], set_=values)
            )

    def __repr__(self) -> str:
        return f"DbTokenStore(account={self._account!r})"
