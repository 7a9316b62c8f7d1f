"""The database handle the application builds once: engine + session factory."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from nextstep.bot.storage.engine import DEFAULT_URL, create_engine, make_sessionmaker


class Database:
    """`async with db.transaction() as s:` commits once at the end (or rolls back on error);
    `db.session()` is a bare session whose caller decides when to commit."""

    def __init__(self, url: str = DEFAULT_URL, *, engine: AsyncEngine | None = None) -> None:
        self.engine = engine or create_engine(url)
        self.sessionmaker = make_sessionmaker(self.engine)

    @property
    def url(self) -> str:
        return self.engine.url.render_as_string(hide_password=False)

    def session(self) -> AsyncSession:
        return self.sessionmaker()

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        async with self.sessionmaker() as session, session.begin():
            yield session

    async def dispose(self) -> None:
        await self.engine.dispose()

    def __repr__(self) -> str:
        return f"Database({self.engine.url!r})"
