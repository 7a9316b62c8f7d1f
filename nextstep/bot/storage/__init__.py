"""Storage: SQLAlchemy 2 async models, repositories, outbox/inbox and Alembic migrations."""

from nextstep.bot.storage.database import Database
from nextstep.bot.storage.engine import DEFAULT_URL, create_engine, make_sessionmaker
from nextstep.bot.storage.migrate import current, downgrade, head, upgrade
from nextstep.bot.storage.repositories import Repositories
from nextstep.bot.storage.tokens import DbTokenStore

__all__ = [
    "DEFAULT_URL",
    "Database",
    "DbTokenStore",
    "Repositories",
    "create_engine",
    "current",
    "downgrade",
    "head",
    "make_sessionmaker",
    "upgrade",
]
