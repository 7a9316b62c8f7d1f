"""The CRM → local mirror sync: full, then incremental from checkpoints (webhook safety net)."""

from nextstep.bot.sync.engine import sync_crm
from nextstep.bot.sync.report import EntityCounts, SyncReport

__all__ = ["EntityCounts", "SyncReport", "sync_crm"]
